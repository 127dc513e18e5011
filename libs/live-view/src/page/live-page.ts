/// <reference lib="dom" />
import { parseVector } from '@distlab/clock';
import { buildDiagram, drawDiagram, type DiagramHandle, type DiagramModel, type TraceEvent } from '@distlab/trace';
import type { EventsSeen, SystemView, WireEvent } from '../wire';
import { ControlsPanel } from './controls-panel';
import { readAllEvents, readEvents } from './event-reads';
import { byId } from './page-dom';
import { showMoment } from './step-panel';
import { followSystemStream } from './system-stream';
import { SystemTable } from './system-table';

// The live view's page: it follows the bridge's stream of the system's state and of how many events there are, and
// redraws the system table, the space-time diagram (the very drawing of `distlab trace`, from @distlab/trace) and the
// step-through panel. The diagram shows the newest events; at each redraw (at most a few times a second) the page
// reads from the bridge the events that came since the last, up to a window's worth: never more than it draws, however
// fast the cluster logs. The drawing itself only draws the rows in view, so an hour-long run stays smooth.

/**
 * The diagram holds the newest events only: rebuilding its model costs time in proportion to its size, and an hour of
 * heartbeats is hundreds of thousands of events.
 */
const DIAGRAM_WINDOW = 5_000;
/**
 * The diagram's window as trace events, each converted once (its vector clock parsed) when it first enters the window,
 * not at every redraw: at a busy cluster's thousands of events a second, re-parsing the window twice a second was the
 * page's largest cost after reading the events.
 */
let windowTraces: TraceEvent[] = [];
/** The bridge's life whose events these are; its events are numbered from 0. */
let run = '';
/** How many events the bridge has seen, as it last said. */
let seen = 0;
/** The events numbered below this have been considered for the window (read, or passed over as too old). */
let converted = 0;
let view: SystemView | undefined;
let model: DiagramModel = buildDiagram([], 'live');
let diagram: DiagramHandle | undefined;
/** The selected event, by identity: rows move as events with earlier Lamport times arrive. */
let selected: string | undefined;
let rebuildTimer: number | undefined;
let rebuilding = false;
let lastBuildMs = 0;
let lastRebuildAt = Number.NEGATIVE_INFINITY;

const keyOf = (event: { peer: number; incarnation: number; sequence: number }) =>
  `${event.peer}/${event.incarnation}/${event.sequence}`;

// What the page holds stays reachable, for a look in the console and for the end-to-end tests.
(window as unknown as { distlabLive: object }).distlabLive = {
  /** Events the diagram has caught up with: every event the bridge has seen, once the page has read the newest. */
  get count() {
    return converted;
  },
  /** Every event the bridge keeps, each the line the peer sent, read from the bridge (a promise). */
  lines: () => readAllEvents(seen),
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

/**
 * Reads the events that came since the last redraw, the newest window's worth at most, into the window; returns the
 * milliseconds it took to parse them (the wait for the bridge apart).
 */
async function readNewest(): Promise<number> {
  const from = Math.max(converted, seen - DIAGRAM_WINDOW);
  const read = await readEvents(from, DIAGRAM_WINDOW);
  if (read.run !== run) return 0; // The bridge restarted meanwhile: the stream says so, and the page starts again.
  const started = performance.now();
  const fresh = read.lines.map(toTraceEvent);
  converted = read.first + fresh.length;
  windowTraces =
    windowTraces.length + fresh.length > DIAGRAM_WINDOW
      ? [...windowTraces.slice(windowTraces.length + fresh.length - DIAGRAM_WINDOW), ...fresh]
      : [...windowTraces, ...fresh];
  return performance.now() - started;
}

async function rebuild(): Promise<void> {
  rebuildTimer = undefined;
  rebuilding = true;
  lastRebuildAt = performance.now();
  let parseMs = 0;
  try {
    if (converted < seen) parseMs = await readNewest();
  } catch {
    // The bridge is away: the stream reconnects, and its next word brings another redraw.
  } finally {
    rebuilding = false;
  }
  const started = performance.now();
  model = buildDiagram(windowTraces, 'live');
  byId('window-note').textContent =
    windowTraces.length < converted ? `showing the newest ${windowTraces.length} of ${converted} events` : '';
  if (diagram === undefined) diagram = drawDiagram(model, { follow: true, onSelect: (row) => select(row) });
  else diagram.refresh(model);
  lastBuildMs = parseMs + performance.now() - started;
  const count = byId('event-count');
  count.textContent = `${converted} events`;
  count.dataset['count'] = String(converted);
  if (selected !== undefined) showMoment(model, selectedRow(), converted > DIAGRAM_WINDOW);
  if (converted < seen) scheduleRebuild();
}

/**
 * Redraws at once, or as soon as the last redraw is long enough ago: at most twice a second, and more rarely the longer
 * a rebuild takes, so that reading, parsing and building take the page no more than about a hundredth of a core
 * however fast events arrive (the layout, paint and compositing that follow cost about as much again; the peers it
 * watches share the machine, and a busy cluster's diagram changes faster than anyone can read it anyway). A quiet
 * cluster's diagram, quick to build, is redrawn twice a second; a full window of a busy one every second or two. The
 * events are read at each redraw, so this bounds them too.
 */
function scheduleRebuild(): void {
  if (rebuildTimer !== undefined || rebuilding) return;
  const dueAt = lastRebuildAt + Math.max(500, lastBuildMs * 100);
  rebuildTimer = window.setTimeout(() => void rebuild(), Math.max(0, dueAt - performance.now()));
}

function select(row: number | undefined): void {
  selected = row === undefined ? undefined : keyOf(model.events[row]);
  byId('follow-state').textContent = row === undefined ? '(live)' : '(stepping: Esc returns to live)';
  diagram?.select(row);
  showMoment(model, row, converted > DIAGRAM_WINDOW);
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

function onEventsSeen(events: EventsSeen): void {
  if (events.run !== run) {
    // Another life of the bridge (it restarted): its events are numbered from 0 again.
    if (run !== '') {
      windowTraces = [];
      converted = 0;
      select(undefined);
    }
    run = events.run;
  }
  seen = events.seen;
  scheduleRebuild();
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
    onEventsSeen,
  });
}

const table = new SystemTable();
const controls = new ControlsPanel();
void rebuild();
document.addEventListener('keydown', onKey);
connect(table, controls);
