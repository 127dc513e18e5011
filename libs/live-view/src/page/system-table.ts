/// <reference lib="dom" />
import type { PeerView, SystemView } from '../wire';
import { button, byId, make, runControl, setAttribute, setClass, setText } from './page-dom';

const PEER_COLUMNS = ['Process', 'Health', 'Role', 'Lock', 'Clock offset', 'Faults', 'Actions'];

interface PeerRow {
  cells: HTMLTableCellElement[];
  pause: HTMLButtonElement;
  lock: HTMLButtonElement;
}

/** "leader, term 3" / "follows peer-5, term 3" / "electing…": the role, in words. */
export function roleText(peer: PeerView): string {
  if (peer.electionRunning) return 'electing…';
  if (peer.leaderId === undefined) return 'no leader known';
  return peer.leaderId === peer.peerId
    ? `★ leader, term ${peer.term}`
    : `follows peer-${peer.leaderId}, term ${peer.term}`;
}

/** "holds, token 7" / "waits for 2, 3" / "defers 1, 4" / "released": the mutex, in words. */
export function lockText(peer: PeerView): string {
  const mutex = peer.mutex;
  if (mutex === undefined) return '?';
  const parts: string[] = [];
  if (mutex.state === 'held') parts.push(`■ holds, token ${mutex.fencingToken}`);
  else if (mutex.state === 'wanted') parts.push(`◐ wants (ts ${mutex.requestTimestamp})`);
  else parts.push('□ released');
  if (mutex.awaiting.length > 0) parts.push(`waits for ${mutex.awaiting.map((id) => `peer-${id}`).join(', ')}`);
  if (mutex.deferred.length > 0) parts.push(`defers ${mutex.deferred.map((id) => `peer-${id}`).join(', ')}`);
  if (mutex.waitingClients > 0) parts.push(`${mutex.waitingClients} client(s) waiting`);
  if (peer.heldByPage !== undefined) parts.push('held for this page');
  return parts.join('; ');
}

/**
 * The system table: one row per peer (health, address, role, lock, clock offset, faults, and its buttons), then the
 * other processes and the balancer's backends. Rows are kept and their cells rewritten, so a keyboard user's focus on a
 * button survives the updates that arrive several times a second.
 */
export class SystemTable {
  private readonly rows = new Map<number, PeerRow>();
  private readonly peers = byId<HTMLTableElement>('peers');

  constructor() {
    const head = this.peers.createTHead().insertRow();
    for (const column of PEER_COLUMNS) head.appendChild(make('th', column, { scope: 'col' }));
  }

  update(view: SystemView): void {
    for (const peer of view.peers) this.updatePeer(peer);
    this.updateProcesses(view);
  }

  private updatePeer(peer: PeerView): void {
    let row = this.rows.get(peer.peerId);
    if (row === undefined) {
      const tr = this.peers.insertRow();
      tr.dataset['peer'] = String(peer.peerId);
      const cells = PEER_COLUMNS.map(() => tr.insertCell());
      const name = `peer-${peer.peerId}`;
      const pause = button(
        'Pause',
        `Pause ${name}`,
        () => void runControl(this.paused(peer.peerId) ? 'resume' : 'pause', { peer: peer.peerId }),
      );
      const lock = button(
        'Acquire',
        `Acquire the lock on ${name}`,
        () => void runControl(this.holding(peer.peerId) ? 'lock-release' : 'lock-acquire', { peer: peer.peerId }),
      );
      const bully = button(
        'Bully',
        `Start a Bully election from ${name}`,
        () => void runControl('election', { peer: peer.peerId, algorithm: 'bully' }),
      );
      const ring = button(
        'Ring',
        `Start a Ring election from ${name}`,
        () => void runControl('election', { peer: peer.peerId, algorithm: 'ring' }),
      );
      cells[6].className = 'actions';
      cells[6].append(pause, lock, bully, ring);
      row = { cells, pause, lock };
      this.rows.set(peer.peerId, row);
    }
    this.latest.set(peer.peerId, peer);
    const [name, health, role, lock, clock, faults] = row.cells;
    const life = peer.incarnation !== undefined && peer.incarnation > 1 ? ` (life ${peer.incarnation})` : '';
    if (name.dataset['shown'] !== `${life} ${peer.address}`) {
      name.dataset['shown'] = `${life} ${peer.address}`;
      name.replaceChildren(`peer-${peer.peerId}${life}`, make('br'), make('small', peer.address, { class: 'mono' }));
    }
    const healthText = peer.paused ? 'PAUSED' : peer.health;
    setText(health, `${healthText === 'SERVING' ? '●' : '○'} ${healthText}`);
    setClass(health, `health-${peer.paused ? 'UNREACHABLE' : peer.health}`);
    setText(role, roleText(peer));
    // Marked as the leader only when settled: a leader that answers a lower peer's election runs one of its own first.
    setClass(role, peer.leaderId === peer.peerId && !peer.electionRunning ? 'leader' : '');
    setText(lock, lockText(peer));
    setClass(lock, peer.mutex?.state === 'held' ? 'held' : '');
    setText(
      clock,
      peer.clockOffsetMs === undefined
        ? '?'
        : `${peer.clockOffsetMs >= 0 ? '+' : ''}${peer.clockOffsetMs.toFixed(1)} ms`,
    );
    const faultsText = peer.faults.join('; ') || (peer.error === undefined ? 'none' : `⚠ ${peer.error.split(':')[0]}`);
    setText(
      faults,
      peer.missedEvents > 0 ? `${faultsText}; ⚠ ${peer.missedEvents} events missed (see its log file)` : faultsText,
    );
    setAttribute(faults, 'title', peer.error ?? '');
    setText(row.pause, peer.paused ? 'Resume' : 'Pause');
    setAttribute(row.pause, 'aria-label', `${peer.paused ? 'Resume' : 'Pause'} peer-${peer.peerId}`);
    setText(row.lock, peer.heldByPage !== undefined ? 'Release' : 'Acquire');
    setAttribute(
      row.lock,
      'aria-label',
      `${peer.heldByPage !== undefined ? 'Release' : 'Acquire'} the lock on peer-${peer.peerId}`,
    );
  }

  private readonly latest = new Map<number, PeerView>();
  private paused(id: number): boolean {
    return this.latest.get(id)?.paused ?? false;
  }
  private holding(id: number): boolean {
    return this.latest.get(id)?.heldByPage !== undefined;
  }

  private updateProcesses(view: SystemView): void {
    const table = byId<HTMLTableElement>('processes');
    const rows = view.processes.map((process) => [
      process.name,
      `${process.health === 'SERVING' ? '●' : '○'} ${process.health}`,
      process.address,
      process.role,
    ]);
    const text = JSON.stringify(rows);
    if (table.dataset['shown'] !== text) {
      table.dataset['shown'] = text;
      table.replaceChildren(make('caption', 'Other processes', { class: 'sr' }));
      table.hidden = rows.length === 0;
      const head = table.createTHead().insertRow();
      for (const column of ['Process', 'Health', 'Address', 'Role'])
        head.appendChild(make('th', column, { scope: 'col' }));
      for (const cells of rows) {
        const tr = table.insertRow();
        cells.forEach((cell, index) => {
          const td = tr.insertCell();
          td.textContent = cell;
          if (index === 1) td.className = `health-${cell.slice(2)}`;
        });
      }
    }
    const balancer = view.balancer;
    const backends = byId<HTMLTableElement>('balancer');
    const shown = JSON.stringify(balancer ?? null);
    if (backends.dataset['shown'] === shown) return;
    backends.dataset['shown'] = shown;
    backends.replaceChildren();
    backends.hidden = balancer === undefined;
    if (balancer === undefined) return;
    backends.appendChild(
      make(
        'caption',
        `Balancer ${balancer.address}: ${balancer.strategy}${balancer.error ? `; ⚠ ${balancer.error}` : ''}`,
      ),
    );
    const head = backends.createTHead().insertRow();
    for (const column of ['Backend', 'Health', 'Calls', 'Failed', 'In flight'])
      head.appendChild(make('th', column, { scope: 'col' }));
    for (const backend of balancer.backends) {
      const tr = backends.insertRow();
      const cells = [
        `${backend.service.split('.').at(-1)} ${backend.address}`,
        `${backend.health === 'SERVING' ? '●' : '○'} ${backend.health}`,
        backend.started,
        backend.failed,
        String(backend.inFlight),
      ];
      for (const text of cells) tr.insertCell().textContent = text;
    }
  }
}
