import { ChaosServiceClient, LinkFaults } from '@distlab/contracts/chaos/v1/chaos';
import { ElectionAlgorithm, ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import type { Client } from '@grpc/grpc-js';
import {
  Code,
  createClient,
  durationToMs,
  msToDuration,
  StatusError,
  unaryCall,
  type ClientConstructor,
  type ClientSettings,
} from '@distlab/grpc-kit';
import { LockSession } from '@distlab/service-clients';
import type { LiveSystem } from './live-system';
import { isInteger, isNumberIn, peerList, peerOf, requireInput } from './control-input';
import type { ControlResult } from './wire';

/** The outcome of a demo run from the page: PASS or FAIL, and the checkers' own words. */
export interface DemoVerdict {
  passed: boolean;
  lines: string[];
}

/** kill -9 and restart of a named process: only the supervisor of `distlab up` can do it. */
export interface ProcessControl {
  names(): string[];
  kill(name: string): Promise<string>;
  restart(name: string): Promise<string>;
}

export interface ControlOptions {
  clientSettings: ClientSettings;
  /** Where FactorialService and InventoryService are reached (through the balancer by default). */
  factorial?: string;
  inventory?: string;
  runDemo?: (name: string) => Promise<DemoVerdict>;
  demos?: string[];
  processes?: ProcessControl;
}

/** Every fault off: ts-proto's zero value of LinkFaults. */
const NO_FAULTS: LinkFaults = LinkFaults.fromPartial({});

/** How long the page waits for the lock under contention before it withdraws its request. */
const LOCK_WAIT_MS = 60_000;
/** The lease of a lock the page holds: a forgotten hold ends by itself after it. */
const LOCK_LEASE_MS = 300_000;

/**
 * The page's buttons, each one call (or a few) on the existing typed clients. Input is checked here (an
 * INVALID_ARGUMENT StatusError names what is wrong); a failed call's status travels back to the page unchanged.
 */
export class Controls {
  private readonly sessions = new Map<number, { session: LockSession; client: MutexServiceClient; token: string }>();

  constructor(
    private readonly system: LiveSystem,
    private readonly options: ControlOptions,
  ) {}

  /** Runs control `name` with the page's JSON `input`; the table then shows what it changed at once. */
  async run(name: string, input: Record<string, unknown>): Promise<ControlResult> {
    try {
      return await this.dispatch(name, input);
    } finally {
      this.system.pollNow();
    }
  }

  private async dispatch(name: string, input: Record<string, unknown>): Promise<ControlResult> {
    switch (name) {
      case 'lock-acquire':
        return this.acquire(peerOf(input, this.system));
      case 'lock-release':
        return this.release(peerOf(input, this.system));
      case 'election': {
        const algorithm = input['algorithm'] === 'ring' ? 'ring' : 'bully';
        return this.election(peerOf(input, this.system), algorithm);
      }
      case 'pause':
      case 'resume':
        return this.pauseOrResume(name, peerOf(input, this.system));
      case 'partition':
        return this.partition(input);
      case 'delay':
        requireInput(isNumberIn(input['ms'], 0, 60_000), 'a delay is 0 to 60000 ms');
        return this.setFaults({ delay: msToDuration(Number(input['ms'])) }, input);
      case 'drop':
        requireInput(isNumberIn(input['probability'], 0, 1), 'a drop probability is 0 to 1');
        return this.setFaults({ dropProbability: Number(input['probability']) }, input);
      case 'heal':
        return this.everyPeer(ChaosServiceClient, (client) => unaryCall(client, 'heal', {}).then(() => 'healed'));
      case 'factorial':
        return this.factorial(input);
      case 'inventory':
        return this.inventory(input);
      case 'demo':
        return this.demo(input);
      case 'kill':
      case 'restart':
        return this.process(name, input);
      default:
        throw new StatusError(Code.NOT_FOUND, `no control "${String(name).slice(0, 40)}"`);
    }
  }

  /** Ends every lock session the page holds (the peers release at once). */
  close(): void {
    for (const { session, client } of this.sessions.values()) {
      session.close();
      client.close();
    }
    this.sessions.clear();
  }

  private client<C extends Client>(Constructor: ClientConstructor<C>, address: string): C {
    return createClient(Constructor, address, { ...this.options.clientSettings, maxAttempts: 1 });
  }

  private async acquire(peer: { id: number; address: string }): Promise<ControlResult> {
    if (this.sessions.has(peer.id))
      throw new StatusError(Code.FAILED_PRECONDITION, `this page already holds the lock through peer-${peer.id}`);
    // A Session, as `distlab mutex acquire` uses: if the bridge dies, the peer releases at once.
    const client = this.client(MutexServiceClient, peer.address);
    const session = new LockSession(client);
    try {
      const grant = await session.acquire({
        leaseMs: LOCK_LEASE_MS,
        clientName: 'live-view',
        waitTimeoutMs: LOCK_WAIT_MS,
      });
      this.sessions.set(peer.id, { session, client, token: grant.fencingToken });
      this.system.setHeldByPage(peer.id, grant.fencingToken);
      return {
        ok: true,
        lines: [`peer-${peer.id} entered the critical section for this page: fencing token ${grant.fencingToken}`],
      };
    } catch (error) {
      session.close();
      client.close();
      throw error;
    }
  }

  private async release(peer: { id: number }): Promise<ControlResult> {
    const held = this.sessions.get(peer.id);
    if (held === undefined)
      throw new StatusError(Code.FAILED_PRECONDITION, `this page holds no lock through peer-${peer.id}`);
    this.sessions.delete(peer.id);
    this.system.setHeldByPage(peer.id, undefined);
    try {
      const released = await held.session.release(held.token);
      return {
        ok: true,
        lines: [`peer-${peer.id} released token ${held.token} after ${durationToMs(released.held, 0).toFixed(0)} ms`],
      };
    } finally {
      held.session.close();
      held.client.close();
    }
  }

  private async election(peer: { id: number; address: string }, algorithm: 'bully' | 'ring'): Promise<ControlResult> {
    const client = this.client(ElectionServiceClient, peer.address);
    try {
      const started = await unaryCall(client, 'startElection', {
        algorithm:
          algorithm === 'ring' ? ElectionAlgorithm.ELECTION_ALGORITHM_RING : ElectionAlgorithm.ELECTION_ALGORITHM_BULLY,
        wait: true,
      });
      return {
        ok: true,
        lines: [`${algorithm} election from peer-${peer.id}: term ${started.term}, peer-${started.leaderId} leads`],
      };
    } finally {
      client.close();
    }
  }

  private async pauseOrResume(name: 'pause' | 'resume', peer: { id: number; address: string }): Promise<ControlResult> {
    const client = this.client(ChaosServiceClient, peer.address);
    try {
      if (name === 'pause') {
        await unaryCall(client, 'pause', { duration: undefined });
        return { ok: true, lines: [`peer-${peer.id} paused: it neither answers nor sends until resumed`] };
      }
      const resumed = await unaryCall(client, 'resume', {});
      return { ok: true, lines: [`peer-${peer.id} resumed; ${resumed.heldCalls} calls and messages had waited`] };
    } finally {
      client.close();
    }
  }

  private async partition(input: Record<string, unknown>): Promise<ControlResult> {
    const groups = Array.isArray(input['groups']) ? input['groups'].map((group) => peerList(group, this.system)) : [];
    requireInput(
      groups.length >= 2 && groups.every((group) => group.length > 0),
      'a partition is two or more groups of peers, like [[1,2],[3,4,5]]',
    );
    const lines: string[] = [];
    for (const [index, group] of groups.entries()) {
      const others = groups.filter((_, other) => other !== index).flat();
      for (const id of group) lines.push(await this.setLinks(id, others, { blocked: true }));
    }
    return { ok: true, lines };
  }

  private async setFaults(faults: Partial<LinkFaults>, input: Record<string, unknown>): Promise<ControlResult> {
    const from = input['from'] === undefined ? this.system.peerIds() : peerList(input['from'], this.system);
    const to = input['to'] === undefined ? this.system.peerIds() : peerList(input['to'], this.system);
    const lines = await Promise.all(
      from.map((id) =>
        this.setLinks(
          id,
          to.filter((other) => other !== id),
          faults,
        ),
      ),
    );
    return { ok: true, lines };
  }

  private async setLinks(id: number, to: number[], faults: Partial<LinkFaults>): Promise<string> {
    const client = this.client(ChaosServiceClient, peerOf({ peer: id }, this.system).address);
    try {
      await unaryCall(client, 'setLinkFaults', { toPeerIds: to, faults: { ...NO_FAULTS, ...faults } });
      return `peer-${id} → ${to.map((other) => `peer-${other}`).join(', ')}: ${Object.keys(faults).join(', ')}`;
    } finally {
      client.close();
    }
  }

  private async everyPeer<C extends Client>(
    Constructor: ClientConstructor<C>,
    use: (client: C) => Promise<string>,
  ): Promise<ControlResult> {
    const lines = await Promise.all(
      this.system.peerIds().map(async (id) => {
        const client = this.client(Constructor, peerOf({ peer: id }, this.system).address);
        try {
          return `peer-${id}: ${await use(client)}`;
        } catch (error) {
          return `peer-${id}: ${(error as { details?: string }).details ?? String(error)}`;
        } finally {
          client.close();
        }
      }),
    );
    return { ok: true, lines };
  }

  private async factorial(input: Record<string, unknown>): Promise<ControlResult> {
    const address = this.options.factorial;
    requireInput(address !== undefined, 'no balancer is known: start the view with --balancer');
    requireInput(isInteger(input['n'], 0, 100_000), 'n is an integer 0 to 100000 here (the CLI computes larger ones)');
    const client = this.client(FactorialServiceClient, address);
    try {
      const answer = await unaryCall(client, 'compute', { n: String(input['n']) });
      const digits =
        answer.value.length > 60 ? `${answer.value.slice(0, 30)}…${answer.value.slice(-20)}` : answer.value;
      return { ok: true, lines: [`${answer.n}! = ${digits} (${answer.digitCount} digits, by ${answer.workerId})`] };
    } finally {
      client.close();
    }
  }

  private async inventory(input: Record<string, unknown>): Promise<ControlResult> {
    const address = this.options.inventory;
    requireInput(address !== undefined, 'no inventory service is known: start the view with --balancer');
    const client = this.client(InventoryServiceClient, address);
    try {
      const action = input['action'];
      if (action === 'add') {
        requireInput(typeof input['name'] === 'string' && input['name'] !== '', 'an item needs a name');
        requireInput(isInteger(input['quantity'], 0, 1_000_000_000), 'a quantity is an integer 0 or more');
        await unaryCall(client, 'addItem', {
          name: String(input['name']),
          quantity: String(input['quantity']),
          requestId: '',
        });
      } else if (action === 'adjust') {
        requireInput(isInteger(input['id'], 1, Number.MAX_SAFE_INTEGER), 'an item id is a positive integer');
        requireInput(isInteger(input['delta'], -1_000_000_000, 1_000_000_000), 'a change is a whole number');
        await unaryCall(client, 'adjustQuantity', {
          id: String(input['id']),
          delta: String(input['delta']),
          requestId: '',
        });
      } else if (action === 'delete') {
        requireInput(isInteger(input['id'], 1, Number.MAX_SAFE_INTEGER), 'an item id is a positive integer');
        await unaryCall(client, 'deleteItem', { id: String(input['id']), expectedVersion: undefined });
      } else requireInput(action === 'list', 'an inventory action is list, add, adjust or delete');
      const listed = await unaryCall(client, 'listItems', { pageSize: 100, pageToken: '' });
      const lines = listed.items.map((item) => `#${item.id} ${item.name}: ${item.quantity} (version ${item.version})`);
      return { ok: true, lines: lines.length === 0 ? ['the inventory is empty'] : lines };
    } finally {
      client.close();
    }
  }

  private async demo(input: Record<string, unknown>): Promise<ControlResult> {
    const name = String(input['name'] ?? '');
    const runDemo = this.options.runDemo;
    requireInput(
      runDemo !== undefined,
      'demos run against `distlab up`: start the view with `distlab up --ui`, or `distlab ui` beside it',
    );
    requireInput(
      (this.options.demos ?? []).includes(name),
      `no demo "${name.slice(0, 40)}"; there are ${(this.options.demos ?? []).join(', ')}`,
    );
    const verdict = await runDemo(name);
    return { ok: verdict.passed, lines: [`${verdict.passed ? 'PASS' : 'FAIL'}: demo ${name}`, ...verdict.lines] };
  }

  private async process(name: 'kill' | 'restart', input: Record<string, unknown>): Promise<ControlResult> {
    const processes = this.options.processes;
    if (processes === undefined)
      throw new StatusError(
        Code.FAILED_PRECONDITION,
        'kill and restart need the supervisor: open the view with `distlab up --ui`',
      );
    const target = String(input['name'] ?? '');
    requireInput(processes.names().includes(target), `no process "${target.slice(0, 40)}"`);
    const line = name === 'kill' ? await processes.kill(target) : await processes.restart(target);
    return { ok: true, lines: [line] };
  }
}
