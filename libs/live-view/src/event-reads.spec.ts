import { request } from 'node:http';
import { ClockServiceClient } from '@distlab/contracts/clock/v1/clock';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster } from '@distlab/testing';
import { startLiveView, type LiveView } from './index';

// The page hears on its stream (/api/stream) how many events there are, and reads the ones it draws by their numbers
// (/api/events?from=&limit=): any range of the run, as the peers' log lines, the numbering going on past the events the
// bridge forgot, and a bridge that restarted numbering under another run. A range that makes no sense gets a 400 that
// says why.

const WAIT_MS = 30_000;

interface Answer {
  status: number;
  type: string | undefined;
  lines: string[];
}

function get(view: LiveView, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: view.port, path }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, type: response.headers['content-type'], lines: text.split('\n') }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

interface Head {
  run: string;
  first: number;
  count: number;
  seen: number;
}

async function readEvents(view: LiveView, from: number, limit: number): Promise<{ head: Head; lines: string[] }> {
  const answer = await get(view, `/api/events?from=${from}&limit=${limit}`);
  expect([answer.status, answer.type]).toEqual([200, 'application/x-ndjson; charset=utf-8']);
  const [head, ...lines] = answer.lines;
  expect(lines.pop()).toBe('');
  return { head: JSON.parse(head) as Head, lines };
}

/** The stream's records until `done` holds of the last one (or WAIT_MS), then hangs up. */
function readStream(view: LiveView, done: (record: Record<string, unknown>) => boolean) {
  return new Promise<Record<string, unknown>[]>((resolve, reject) => {
    const records: Record<string, unknown>[] = [];
    let partial = '';
    const timer = setTimeout(() => (outgoing.destroy(), resolve(records)), WAIT_MS);
    const outgoing = request({ host: '127.0.0.1', port: view.port, path: '/api/stream' }, (response) => {
      expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      response.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines.filter((text) => text !== '')) {
          records.push(JSON.parse(line) as Record<string, unknown>);
          if (!done(records[records.length - 1])) continue;
          clearTimeout(timer);
          outgoing.destroy();
          resolve(records);
          return;
        }
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    outgoing.end();
  });
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + WAIT_MS; !condition(); await new Promise((resolve) => setTimeout(resolve, 50)))
    if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
}

let cluster: PeerCluster | undefined;
const views: LiveView[] = [];
let clock: ClockServiceClient | undefined;
afterAll(async () => {
  clock?.close();
  for (const view of views) await view.stop();
  await cluster?.stop();
});

it('reads any range of the run by number, past what the bridge forgot, and says when the bridge restarted', async () => {
  cluster = await PeerCluster.start({ size: 2 });
  clock = createClient(ClockServiceClient, cluster.addresses.get(1)!);
  const view = await startLiveView({ seedPeer: cluster.addresses.get(1)!, clientSettings: {} });
  views.push(view);
  await unaryCall(clock, 'localEvent', { label: 'the first of ours' });
  await until('the event at the bridge', () => view.system.events.some((line) => line.includes('the first of ours')));

  // The stream opens with the view and the count, and counts again as events come.
  const opened = await readStream(view, (record) => 'events' in record);
  expect(Object.keys(opened[0])).toEqual(['view']);
  const { run, seen } = opened[1]['events'] as { run: string; seen: number; forgotten: number };
  expect(seen).toBeGreaterThan(0);
  expect(opened[1]['events']).toEqual({ run, seen, forgotten: 0 });
  const counted = readStream(
    view,
    (record) => ((record['events'] as { seen: number } | undefined)?.seen ?? 0) >= seen + 2,
  );
  await unaryCall(clock, 'localEvent', { label: 'one' });
  await unaryCall(clock, 'localEvent', { label: 'two' });
  const later = (await counted).at(-1)!['events'] as { seen: number };
  expect(later).toEqual({ run, seen: later.seen, forgotten: 0 });
  expect(later.seen).toBeGreaterThanOrEqual(seen + 2);

  // Every event, and any part of them, as the peer's log line without its shiviz field.
  const all = await readEvents(view, 0, 10_000);
  const total = all.head.seen;
  expect(all.head).toEqual({ run, first: 0, count: total, seen: total });
  expect(total).toBeGreaterThanOrEqual(later.seen);
  expect(all.lines).toEqual(view.system.events.slice(0, total));
  const line = all.lines.find((text) => text.includes('the first of ours'))!;
  expect(line).toMatch(/^\{"sequence":\d+,"peer":1,.*"label":"the first of ours"\}$/);
  expect(line).not.toContain('shiviz');
  const middle = await readEvents(view, 1, 2);
  expect(middle.head).toMatchObject({ run, first: 1, count: 2 });
  expect(middle.lines).toEqual(all.lines.slice(1, 3));
  const past = await readEvents(view, view.system.eventsSeen, 5);
  expect([past.head.count, past.lines]).toEqual([0, []]);

  // What makes no sense is refused, saying what would.
  for (const [query, code, words] of [
    ['', 'INVALID_ARGUMENT', 'from is the number of the first event wanted'],
    ['from=-1', 'INVALID_ARGUMENT', 'from is the number'],
    ['from=x', 'INVALID_ARGUMENT', 'not "x"'],
    ['from=0&limit=0', 'OUT_OF_RANGE', 'limit is how many events, 1 to 10000; not 0'],
    ['from=0&limit=10001', 'OUT_OF_RANGE', 'not 10001'],
    [`from=${total + 1_000_000}`, 'OUT_OF_RANGE', `is past the`],
  ]) {
    const answer = await get(view, `/api/events?${query}`);
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.lines[0]) as { code: string; lines: string[] };
    expect(body.code).toBe(code);
    expect(body.lines[0]).toContain(words);
  }

  // A bridge that keeps 50 events numbers on past the ones it forgot; another bridge is another run.
  const small = await startLiveView({ seedPeer: cluster.addresses.get(1)!, clientSettings: {}, maxEvents: 50 });
  views.push(small);
  for (let index = 0; index < 120; index += 1) await unaryCall(clock, 'localEvent', { label: `busy ${index}` });
  await until(
    'the busy events at the small bridge',
    () => small.system.forgotten > 0 && small.system.events.at(-1)!.includes('busy 119'),
  );
  const kept = await readEvents(small, 0, 10_000);
  expect(kept.head.run).not.toBe(run);
  expect(kept.head.first).toBe(small.system.forgotten);
  expect(kept.head.first + kept.head.count).toBe(kept.head.seen);
  expect(kept.lines).toEqual(small.system.events);
  expect(kept.head.first).toBeGreaterThan(0);
}, 120_000);
