/// <reference lib="dom" />
import { parseVector } from '@distlab/clock';
import { buildDiagram, drawDiagram, type DiagramHandle, type DiagramModel, type TraceEvent } from '@distlab/trace';
import type { SystemView, WireEvent } from '../wire';
import { ControlsPanel } from './controls-panel';
import { byId } from './page-dom';
import { showMoment } from './step-panel';
import { SystemTable } from './system-table';

/**
 * The live view's page: it opens the bridge's event stream, keeps every event it receives, and redraws the system
 * table, the space-time diagram (the very drawing of `distlab trace`, from @distlab/trace) and the step-through panel.
 * The diagram's model is rebuilt from all events at most a few times a second; the drawing itself only draws the rows
 * in view, so an hour-long run stays smooth.
 */
const received: WireEvent[] = [];
const seen = new Set<string>();
let view: SystemView | undefined;
let model: DiagramModel = buildDiagram([], 'live');
let diagram: DiagramHandle | undefined;
/** The selected event, by identity: rows move as events with earlier Lamport times arrive. */
let selected: string | undefined;
let rebuildTimer: number | undefined;
/**
 * The diagram holds the newest events only: rebuilding its model costs time in proportion to its size, and an hour of
 * heartbeats is hundreds of thousands of events. The page still keeps (and counts) every event it received.
 */
const DIAGRAM_WINDOW = 5_000;
let lastBuildMs = 0;

const keyOf = (event: { peer: number; incarnation: number; sequence: number }) =>
  `${event.peer}/${event.incarnation}/${event.sequence}`;

// What the page holds stays reachable, for a look in the console and for the end-to-end tests.
(window as unknown as { distlabLive: object }).distlabLive = {
  received,
  get view() {
    return view;
  },
  get model() {
    return model;
  },
};

function toTraceEvent(event: WireEvent): TraceEvent {
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
  const shown = received.length > DIAGRAM_WINDOW ? received.slice(-DIAGRAM_WINDOW) : received;
  model = buildDiagram(shown.map(toTraceEvent), 'live');
  byId('window-note').textContent =
    shown.length < received.length ? `showing the newest ${shown.length} of ${received.length} events` : '';
  if (diagram === undefined) diagram = drawDiagram(model, { follow: true, onSelect: (row) => select(row) });
  else diagram.refresh(model);
  lastBuildMs = performance.now() - started;
  const count = byId('event-count');
  count.textContent = `${received.length} events`;
  count.dataset['count'] = String(received.length);
  if (selected !== undefined) showMoment(model, selectedRow(), received.length > DIAGRAM_WINDOW);
}

/**
 * Redraws soon: at most about twice a second, and more rarely the longer a rebuild takes, so that the page never
 * spends more than about a tenth of a core on it however fast events arrive (the peers it watches share the machine).
 */
function scheduleRebuild(): void {
  if (rebuildTimer !== undefined) return;
  rebuildTimer = window.setTimeout(rebuild, Math.max(500, lastBuildMs * 10));
}

function select(row: number | undefined): void {
  selected = row === undefined ? undefined : keyOf(model.events[row]);
  byId('follow-state').textContent = row === undefined ? '(live)' : '(stepping: Esc returns to live)';
  diagram?.select(row);
  showMoment(model, row, received.length > DIAGRAM_WINDOW);
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
  const source = new EventSource('/api/stream');
  source.addEventListener('open', () => (connection.textContent = '● connected'));
  source.addEventListener('error', () => (connection.textContent = '○ disconnected, retrying…'));
  source.addEventListener('view', (message) => {
    view = JSON.parse((message as MessageEvent<string>).data) as SystemView;
    table.update(view);
    controls.update(view);
  });
  source.addEventListener('events', (message) => {
    // After a reconnect the bridge sends the whole run again: each event is kept once.
    for (const event of JSON.parse((message as MessageEvent<string>).data) as WireEvent[]) {
      const key = keyOf(event);
      if (seen.has(key)) continue;
      seen.add(key);
      received.push(event);
    }
    scheduleRebuild();
  });
}

const table = new SystemTable();
const controls = new ControlsPanel();
rebuild();
document.addEventListener('keydown', onKey);
connect(table, controls);
