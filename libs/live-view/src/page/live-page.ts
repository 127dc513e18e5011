/// <reference lib="dom" />
import { parseVector } from '@distlab/clock';
import { buildDiagram, drawDiagram, type DiagramHandle, type DiagramModel, type TraceEvent } from '@distlab/trace';
import type { SystemView, WireEvent } from '../wire';
import { ControlsPanel } from './controls-panel';
import { EventStore } from './event-store';
import { byId } from './page-dom';
import { showMoment } from './step-panel';
import { followSystemStream } from './system-stream';
import { SystemTable } from './system-table';

// The live view's page: it follows the bridge's stream, keeps every event it receives, and redraws the system table,
// the space-time diagram (the very drawing of `distlab trace`, from @distlab/trace) and the step-through panel. The
// diagram's model is rebuilt from the newest events at most a few times a second; the drawing itself only draws the
// rows in view, so an hour-long run stays smooth.

/**
 * Every event received, as the bytes of the lines the bridge sent (the peers' log lines): decoded only when they enter
 * the diagram's window. The newest 200,000 are kept (some 45 MB), for a look in the console and for the end-to-end
 * tests; all are counted. The bridge sends each event once (a reconnecting page resumes after the last batch it got),
 * so none is checked.
 */
const received = new EventStore(200_000);
/**
 * The diagram's window as trace events, each converted once (its vector clock parsed) when it first enters the window,
 * not at every redraw: at a busy cluster's thousands of events a second, re-parsing the window twice a second was the
 * page's largest cost after parsing the stream itself.
 */
let windowTraces: TraceEvent[] = [];
/** How many of the events received (`received.count`) have been considered for the window. */
let converted = 0;
let view: SystemView | undefined;
let model: DiagramModel = buildDiagram([], 'live');
let diagram: DiagramHandle | undefined;
/** The selected event, by identity: rows move as events with earlier Lamport times arrive. */
let selected: string | undefined;
let rebuildTimer: number | undefined;
/**
 * The diagram holds the newest events only: rebuilding its model costs time in proportion to its size, and an hour of
 * heartbeats is hundreds of thousands of events. The page still counts every event it received.
 */
const DIAGRAM_WINDOW = 5_000;
let lastBuildMs = 0;

const keyOf = (event: { peer: number; incarnation: number; sequence: number }) =>
  `${event.peer}/${event.incarnation}/${event.sequence}`;

// What the page holds stays reachable, for a look in the console and for the end-to-end tests.
(window as unknown as { distlabLive: object }).distlabLive = {
  /** Events received since the page opened (or the bridge restarted). */
  get count() {
    return received.count;
  },
  /** The events held, each the line the bridge sent. */
  lines: () => received.lines(),
  get view() {
    return view;
  },
  get model() {
    return model;
  },
};

function toTraceEvent(line: string): TraceEvent {
  const event = JSON.parse(line) as WireEvent;
  return { ...event, vector: parseVector(event.vector) };
}

function selectedRow(): number | undefined {
  if (selected === undefined) return undefined;
  const row = model.events.findIndex((event) => keyOf(event) === selected);
  return row < 0 ? undefined : row;
}

function rebuild(): void {
  rebuildTimer = undefined;
  const started = performance.now();
  const fresh = received.newest(Math.min(DIAGRAM_WINDOW, received.count - converted)).map(toTraceEvent);
  converted = received.count;
  windowTraces =
    windowTraces.length + fresh.length > DIAGRAM_WINDOW
      ? [...windowTraces.slice(windowTraces.length + fresh.length - DIAGRAM_WINDOW), ...fresh]
      : [...windowTraces, ...fresh];
  model = buildDiagram(windowTraces, 'live');
  byId('window-note').textContent =
    windowTraces.length < received.count ? `showing the newest ${windowTraces.length} of ${received.count} events` : '';
  if (diagram === undefined) diagram = drawDiagram(model, { follow: true, onSelect: (row) => select(row) });
  else diagram.refresh(model);
  lastBuildMs = performance.now() - started;
  const count = byId('event-count');
  count.textContent = `${received.count} events`;
  count.dataset['count'] = String(received.count);
  if (selected !== undefined) showMoment(model, selectedRow(), received.count > DIAGRAM_WINDOW);
}

/**
 * Redraws soon: at most about twice a second, and more rarely the longer a rebuild takes, so that the page never
 * spends more than about a fortieth of a core on it however fast events arrive (the peers it watches share the
 * machine, and a busy cluster's diagram changes faster than anyone can read it anyway). A quiet cluster's diagram,
 * quick to build, is redrawn twice a second; a full window of a busy one about once a second or less.
 */
function scheduleRebuild(): void {
  if (rebuildTimer !== undefined) return;
  rebuildTimer = window.setTimeout(rebuild, Math.max(500, lastBuildMs * 40));
}

function select(row: number | undefined): void {
  selected = row === undefined ? undefined : keyOf(model.events[row]);
  byId('follow-state').textContent = row === undefined ? '(live)' : '(stepping: Esc returns to live)';
  diagram?.select(row);
  showMoment(model, row, received.count > DIAGRAM_WINDOW);
}

function onKey(key: KeyboardEvent): void {
  const target = key.target as HTMLElement;
  if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || model.events.length === 0) return;
  const current = selectedRow();
  if (key.key === 'j' || key.key === 'ArrowDown') {
    select(current === undefined ? 0 : Math.min(model.events.length - 1, current + 1));
  } else if (key.key === 'k' || key.key === 'ArrowUp') {
    select(current === undefined ? model.events.length - 1 : Math.max(0, current - 1));
  } else if (key.key === 'Escape') {
    select(undefined);
  } else return;
  key.preventDefault();
}

function connect(table: SystemTable, controls: ControlsPanel): void {
  const connection = byId('connection');
  void followSystemStream({
    onConnection: (connected) => (connection.textContent = connected ? '● connected' : '○ disconnected, retrying…'),
    onView: (next) => {
      view = next;
      table.update(next);
      controls.update(next);
    },
    onEvents: (batch, lines) => {
      received.add(batch, lines);
      scheduleRebuild();
    },
    onReset: () => {
      received.clear();
      windowTraces = [];
      converted = 0;
      select(undefined);
      scheduleRebuild();
    },
  });
}

const table = new SystemTable();
const controls = new ControlsPanel();
rebuild();
document.addEventListener('keydown', onKey);
connect(table, controls);
