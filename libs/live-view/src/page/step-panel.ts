/// <reference lib="dom" />
import { processStatesAt, type DiagramModel, type ProcessMoment } from '@distlab/trace';
import { byId, make } from './page-dom';

function mutexText(moment: ProcessMoment): string {
  const mutex = moment.mutex;
  const parts = [
    mutex.state === 'held'
      ? `■ held, token ${mutex.fencingToken ?? '?'}`
      : mutex.state === 'wanted'
        ? '◐ wanted'
        : '□ released',
  ];
  if (mutex.awaiting.length > 0) parts.push(`queue: awaits ${mutex.awaiting.map((id) => `peer-${id}`).join(', ')}`);
  if (mutex.deferred.length > 0)
    parts.push(`deferred replies to ${mutex.deferred.map((id) => `peer-${id}`).join(', ')}`);
  return parts.join('; ');
}

/**
 * Step-through: the event at the selected row, and every process's state at that moment, replayed from the events
 * (processStatesAt): Lamport and vector clocks, the mutex with its awaited replies and deferred ones, leader and term.
 */
export function showMoment(model: DiagramModel, row: number | undefined, windowed = false): void {
  const head = byId('step-event');
  const table = byId<HTMLTableElement>('step-states');
  if (row === undefined || model.events[row] === undefined) {
    head.textContent = 'Live. Click an event (or press j) to see every process at that moment.';
    table.replaceChildren();
    return;
  }
  const event = model.events[row];
  head.textContent = `Event ${row + 1} of ${model.events.length}: peer-${event.peer} #${event.sequence} ${event.kind} — ${event.label} (L=${event.lamport}, V=[${event.vector}])`;
  head.dataset['row'] = String(row);
  // Replayed from the diagram's events only: with older events left out, a process's state before them is unknown.
  if (windowed) head.textContent += ' — replayed from the newest events only';
  const header = make('tr');
  for (const column of ['Process', 'Lamport', 'Vector clock', 'Mutex', 'Leader (term)'])
    header.appendChild(make('th', column, { scope: 'col' }));
  const rows = processStatesAt(model.events, row).map((moment) => {
    const tr = make('tr', '', { 'data-peer': String(moment.peer) });
    const cells = [
      `peer-${moment.peer}${moment.peer === event.peer ? ' ◀' : ''}`,
      moment.row === undefined ? '—' : String(moment.lamport),
      moment.row === undefined ? '—' : `[${moment.vector}]`,
      mutexText(moment),
      moment.electionRunning
        ? 'electing…'
        : moment.leader === undefined
          ? '—'
          : `peer-${moment.leader} (term ${moment.term})`,
    ];
    cells.forEach((text, index) => tr.appendChild(make('td', text, index === 2 ? { class: 'mono vector' } : {})));
    return tr;
  });
  const tableHead = make('thead');
  tableHead.appendChild(header);
  const body = make('tbody');
  body.append(...rows);
  table.replaceChildren(tableHead, body);
}
