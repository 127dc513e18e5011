import { request } from 'node:http';
import { ClockServiceClient } from '@distlab/contracts/clock/v1/clock';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster } from '@distlab/testing';
import { startLiveView, type LiveView } from './index';

// The page's stream (/api/stream, JSON lines) gives each batch of events an id, so that a page whose connection broke
// comes back with ?after=<id> and gets exactly the events after the last batch it had: none twice, none missing, which
// is why the page checks none. A page that comes back to a bridge that restarted since is told to start again.

const WAIT_MS = 30_000;

interface StreamRead {
  lines: string[];
  lastId: string;
  reset: boolean;
  views: number;
}

/** Reads the view's stream (from `after`) until `done` holds (or WAIT_MS), then hangs up. */
function readStream(view: LiveView, after: string, done: (read: StreamRead) => boolean) {
  return new Promise<StreamRead>((resolve, reject) => {
    const read: StreamRead = { lines: [], lastId: '', reset: false, views: 0 };
    let partial = '';
    let due = 0;
    const path = after === '' ? '/api/stream' : `/api/stream?after=${encodeURIComponent(after)}`;
    const timer = setTimeout(() => (outgoing.destroy(), resolve(read)), WAIT_MS);
    const outgoing = request({ host: '127.0.0.1', port: view.port, path }, (response) => {
      expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      response.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (due > 0) {
            read.lines.push(line);
            due -= 1;
          } else if (line !== '') {
            const record = JSON.parse(line) as { events?: number; id?: string; reset?: string; view?: object };
            if (record.events !== undefined) [due, read.lastId] = [record.events, record.id!];
            if (record.reset !== undefined) read.reset = true;
            if (record.view !== undefined) read.views += 1;
          }
        }
        if (due === 0 && done(read)) {
          clearTimeout(timer);
          outgoing.destroy();
          resolve(read);
        }
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    outgoing.end();
  });
}

const hasLabel = (label: string) => (read: StreamRead) =>
  read.lines.some((line) => (JSON.parse(line) as { label: string }).label === label);

let cluster: PeerCluster | undefined;
let view: LiveView | undefined;
let clock: ClockServiceClient | undefined;
afterAll(async () => {
  clock?.close();
  await view?.stop();
  await cluster?.stop();
});

it('resumes a page after the last batch it had, and restarts a page that comes back from another run', async () => {
  cluster = await PeerCluster.start({ size: 2 });
  clock = createClient(ClockServiceClient, cluster.addresses.get(1)!);
  view = await startLiveView({ seedPeer: cluster.addresses.get(1)!, clientSettings: {} });
  const live = view;
  await unaryCall(clock, 'localEvent', { label: 'before the break' });
  const first = await readStream(live, '', hasLabel('before the break'));
  expect(first.lastId).toMatch(/^\w+:\d+$/);
  expect(first.reset).toBe(false);
  expect(first.views).toBeGreaterThan(0);
  // Each event line is the peer's log line without its shiviz field (WatchEvents' without_shiviz), as the peer sent it.
  const line = first.lines.find((text) => text.includes('before the break'))!;
  expect(line).toMatch(/^\{"sequence":\d+,"peer":1,.*"label":"before the break"\}$/);
  expect(line).not.toContain('shiviz');

  // While the page is away, the run goes on.
  await unaryCall(clock, 'localEvent', { label: 'while away' });
  const second = await readStream(live, first.lastId, hasLabel('while away'));
  expect(second.reset).toBe(false);
  const both = [...first.lines, ...second.lines];
  expect(both).toEqual(live.system.events.slice(0, both.length));

  // A page from another run of the bridge starts again from the first event; so does one with a made-up id.
  for (const after of ['elsewhere:3', `${first.lastId.split(':')[0]}:99999999`]) {
    const other = await readStream(live, after, hasLabel('while away'));
    expect(other.reset).toBe(true);
    expect(other.lines).toEqual(live.system.events.slice(0, other.lines.length));
  }
}, 120_000);
