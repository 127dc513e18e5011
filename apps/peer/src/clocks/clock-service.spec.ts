import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { compareVectors, parseVector } from '@distlab/clock';
import {
  ClockServiceClient,
  EventEncoding,
  EventKind,
  type Event,
  type WatchEventsResponse,
} from '@distlab/contracts/clock/v1/clock';
import { createClient, silentLogger, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import { freePort } from '@distlab/testing';
import { startPeer } from '../peer-server';

// ClockService between three real peers: every message carries the sender's stamps in metadata, and the merged
// event logs satisfy a → b ⇒ L(a) < L(b) and a → b ⇔ V(a) < V(b), with happened-before taken from the logs' own
// structure (process order, and each receive after its send).

const ids = [1, 2, 3];
const peers = new Map<number, string>();
const servers = new Map<number, RunningServer>();
const clients = new Map<number, ClockServiceClient>();
const eventsDir = mkdtempSync(join(tmpdir(), 'distlab-events-'));

beforeAll(async () => {
  // Every peer knows every other from the start, as `--peers` would tell it: the ports are chosen first.
  for (const id of ids) peers.set(id, `127.0.0.1:${await freePort()}`);
  for (const id of ids) {
    const server = await startPeer({
      id,
      server: { host: '127.0.0.1', port: Number(peers.get(id)!.split(':')[1]) },
      logger: silentLogger(),
      peers,
      eventsFile: join(eventsDir, `peer-${id}.jsonl`),
    });
    servers.set(id, server);
    clients.set(id, createClient(ClockServiceClient, server.address));
  }
});

afterAll(async () => {
  for (const client of clients.values()) client.close();
  await Promise.all([...servers.values()].map((server) => server.shutdown(0)));
});

const client = (id: number) => clients.get(id)!;
const vectorOf = (event: Event) =>
  new Map(Object.entries(event.stamp!.vector).map(([peerId, count]) => [Number(peerId), Number(count)]));

async function allEvents(id: number): Promise<Event[]> {
  const events: Event[] = [];
  let pageToken = '';
  do {
    const page = await unaryCall(client(id), 'listEvents', { pageSize: 7, pageToken, algorithm: '' });
    events.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return events;
}

describe('ClockService', () => {
  it('ticks both clocks on a local event and logs it', async () => {
    const { event } = await unaryCall(client(1), 'localEvent', { label: 'boot' });
    expect(event).toMatchObject({ peerId: 1, kind: EventKind.EVENT_KIND_LOCAL, label: 'boot' });
    // The peers already talk (announcements, the election), so the clocks are past 1; the event ticked both.
    const previous = (await allEvents(1)).find((logged) => logged.sequence === String(Number(event!.sequence) - 1));
    expect(Number(event!.stamp!.lamport)).toBe(Number(previous?.stamp?.lamport ?? 0) + 1);
    expect(Number(event!.stamp!.vector[1])).toBe(Number(previous?.stamp?.vector[1] ?? 0) + 1);
    const now = (await unaryCall(client(1), 'getClock', {})).stamp!;
    expect(Number(now.lamport)).toBeGreaterThanOrEqual(Number(event!.stamp!.lamport));
  });

  it('sends a stamped message: the receive merges the sender’s clocks and comes after the send', async () => {
    const { sendEvent, receiveEvent } = await unaryCall(client(1), 'send', { toPeerId: 2, payload: 'hi' });
    expect(sendEvent).toMatchObject({ kind: EventKind.EVENT_KIND_SEND, remotePeerId: 2 });
    expect(receiveEvent).toMatchObject({
      kind: EventKind.EVENT_KIND_RECEIVE,
      peerId: 2,
      remotePeerId: 1,
      messageId: sendEvent!.messageId,
    });
    expect(Number(receiveEvent!.stamp!.lamport)).toBeGreaterThan(Number(sendEvent!.stamp!.lamport));
    expect(compareVectors(vectorOf(sendEvent!), vectorOf(receiveEvent!))).toBe('before');
  });

  it('keeps Lamport and vector stamps consistent with happened-before over many messages', async () => {
    for (let step = 0; step < 30; step += 1) {
      const from = ids[step % 3];
      const to = ids[(step * 7 + 1) % 3] === from ? ids[(step + 1) % 3] : ids[(step * 7 + 1) % 3];
      if (step % 4 === 0) await unaryCall(client(from), 'localEvent', { label: `step ${step}` });
      else await unaryCall(client(from), 'send', { toPeerId: to, payload: `step ${step}` });
    }
    const events = (await Promise.all(ids.map(allEvents))).flat();
    const key = (event: Event) => `${event.peerId}/${event.sequence}`;
    const sendOf = new Map(
      events.filter((event) => event.kind === EventKind.EVENT_KIND_SEND).map((event) => [event.messageId, event]),
    );
    // Happened-before from the logs' structure alone: the previous event of the same peer, and a receive's send.
    const ancestors = new Map<string, Set<string>>();
    const ordered = [...events].sort((a, b) => Number(a.stamp!.lamport) - Number(b.stamp!.lamport));
    for (const event of ordered) {
      const direct = [
        events.find((other) => other.peerId === event.peerId && Number(other.sequence) === Number(event.sequence) - 1),
      ];
      if (event.kind === EventKind.EVENT_KIND_RECEIVE) direct.push(sendOf.get(event.messageId));
      const set = new Set<string>();
      for (const cause of direct.filter((candidate): candidate is Event => candidate !== undefined)) {
        set.add(key(cause));
        for (const earlier of ancestors.get(key(cause)) ?? []) set.add(earlier);
      }
      ancestors.set(key(event), set);
    }
    for (const a of events) {
      for (const b of events) {
        if (a === b) continue;
        const before = ancestors.get(key(b))!.has(key(a));
        if (before) expect(Number(a.stamp!.lamport)).toBeLessThan(Number(b.stamp!.lamport));
        expect(compareVectors(vectorOf(a), vectorOf(b)) === 'before').toBe(before);
      }
    }
  });

  it('streams the log to a watcher: the past first, then each new event', async () => {
    const seen: Event[] = [];
    const stream = client(3).watchEvents({ afterSequence: '0', encoding: EventEncoding.EVENT_ENCODING_UNSPECIFIED });
    stream.on('data', (response: { event: Event }) => seen.push(response.event));
    stream.on('error', () => undefined);
    const before = (await allEvents(3)).length;
    await unaryCall(client(3), 'localEvent', { label: 'watched' });
    for (let waited = 0; waited < 100 && !seen.some((event) => event.label === 'watched'); waited += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stream.cancel();
    expect(seen.length).toBe(before + 1);
    expect(seen.at(-1)?.label).toBe('watched');
  });

  it('streams the log in batches when asked: a long replay in order and whole, then the new events', async () => {
    // More than one replay batch (512 events) of past events, so the replay goes in several batches.
    for (let index = 0; index < 600; index += 1) await unaryCall(client(2), 'localEvent', { label: `past ${index}` });
    const batches: Event[][] = [];
    const stream = client(2).watchEvents({
      afterSequence: '0',
      batchWindow: { seconds: '0', nanos: 50_000_000 },
      encoding: EventEncoding.EVENT_ENCODING_MESSAGES,
    });
    stream.on('data', (response: { event?: Event; events: Event[] }) => {
      expect(response.event).toBeUndefined();
      batches.push(response.events);
    });
    stream.on('error', () => undefined);
    const before = (await allEvents(2)).length;
    await Promise.all([1, 2, 3].map((index) => unaryCall(client(2), 'localEvent', { label: `new ${index}` })));
    const seen = () => batches.flat();
    for (let waited = 0; waited < 250 && seen().length < before + 3; waited += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stream.cancel();
    expect(seen().map((event) => Number(event.sequence))).toEqual(Array.from({ length: before + 3 }, (_, i) => i + 1));
    expect(batches.length).toBeGreaterThan(1);
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(512);
    expect(
      seen()
        .slice(-3)
        .map((event) => event.label),
    ).toEqual(['new 1', 'new 2', 'new 3']);
  });

  it('streams the lines of the log file when asked for JSON lines, batched or one per response', async () => {
    await unaryCall(client(2), 'localEvent', { label: 'lines "quoted"\nand two' });
    const file = () => readFileSync(join(eventsDir, 'peer-2.jsonl'), 'utf8');
    for (const batchWindow of [{ seconds: '0', nanos: 20_000_000 }, undefined]) {
      let text = '';
      let responses = 0;
      const stream = client(2).watchEvents({
        afterSequence: '0',
        batchWindow,
        encoding: EventEncoding.EVENT_ENCODING_JSON_LINES,
      });
      stream.on('data', (response: WatchEventsResponse) => {
        expect(response.event).toBeUndefined();
        expect(response.events).toEqual([]);
        text += response.jsonLines.toString('utf8');
        responses += 1;
      });
      stream.on('error', () => undefined);
      const size = (await allEvents(2)).length;
      // A receive's line reaches the file within a few milliseconds (RECEIVE_LINE_DELAY_MS): wait for both.
      const complete = () => text.split('\n').length > size && file().split('\n').length > size;
      for (let waited = 0; waited < 250 && !complete(); waited += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      stream.cancel();
      // Word for word what the file has: the same lines, each ending in a newline, the label's escapes included.
      expect(text).toBe(file().split('\n').slice(0, size).join('\n') + '\n');
      expect(JSON.parse(text.split('\n')[size - 1]).label).toBe('lines "quoted"\nand two');
      if (batchWindow === undefined) expect(responses).toBe(size);
      else expect(responses).toBeLessThan(size);
    }
  });

  it('leaves out the shiviz field of each line when asked, and nothing else', async () => {
    await unaryCall(client(2), 'localEvent', { label: 'a "shiviz" label, with ,"shiviz":" in it' });
    const logged = readFileSync(join(eventsDir, 'peer-2.jsonl'), 'utf8').trimEnd().split('\n');
    let text = '';
    const stream = client(2).watchEvents({
      afterSequence: '0',
      batchWindow: { seconds: '0', nanos: 20_000_000 },
      encoding: EventEncoding.EVENT_ENCODING_JSON_LINES,
      withoutShiviz: true,
    });
    stream.on('data', (response: WatchEventsResponse) => (text += response.jsonLines.toString('utf8')));
    stream.on('error', () => undefined);
    for (let waited = 0; waited < 250 && text.split('\n').length <= logged.length; waited += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    stream.cancel();
    const sent = text.split('\n').slice(0, logged.length);
    expect(sent.every((line) => !line.includes('"shiviz":"'))).toBe(true);
    // The same object as the file's line, but for the one field: the label's own "shiviz" text is kept.
    expect(sent.map((line) => JSON.parse(line) as object)).toEqual(
      logged.map((line) => {
        const { shiviz, ...fields } = JSON.parse(line) as { shiviz: string };
        expect(shiviz).toContain('peer-2');
        return fields;
      }),
    );
    expect(sent.some((line) => line.includes('with ,\\"shiviz\\":\\" in it'))).toBe(true);
  });

  it('refuses an encoding it does not know', async () => {
    const failed = await new Promise<{ code: number; details: string }>((resolve) => {
      const stream = client(2).watchEvents({ afterSequence: '0', encoding: 7 as EventEncoding });
      stream.on('data', () => undefined);
      stream.on('error', resolve);
    });
    expect(failed).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('unknown encoding 7'),
    });
  });

  it('refuses a negative batch window', async () => {
    const failed = await new Promise<{ code: number; details: string }>((resolve) => {
      const stream = client(2).watchEvents({
        afterSequence: '0',
        batchWindow: { seconds: '-1', nanos: 0 },
        encoding: EventEncoding.EVENT_ENCODING_UNSPECIFIED,
      });
      stream.on('data', () => undefined);
      stream.on('error', resolve);
    });
    expect(failed).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'batch_window must not be negative' });
  });

  it('appends every event to the peer’s JSON-lines file, with a ShiViz line', () => {
    const lines = readFileSync(join(eventsDir, 'peer-1.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.sequence)).toEqual(lines.map((_line, index) => index + 1));
    const boot = lines.find((line) => line.label === 'boot');
    expect(boot).toMatchObject({ peer: 1, kind: 'local' });
    expect(boot.shiviz).toMatch(new RegExp(`^\\S+ peer-1 \\{.*"peer-1":${parseVector(boot.vector).get(1)}.*\\} boot$`));
    expect(parseVector(lines.at(-1).vector).get(1)).toBeGreaterThan(1);
  });

  it('answers the documented errors', async () => {
    await expect(unaryCall(client(1), 'send', { toPeerId: 1, payload: '' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    await expect(unaryCall(client(1), 'send', { toPeerId: 9, payload: '' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('no peer 9'),
    });
    await expect(unaryCall(client(1), 'deliver', { messageId: 'x', payload: '' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'metadata "distlab-sender" is missing',
    });
    const metadata = new Metadata();
    metadata.set('distlab-sender', '2');
    metadata.set('distlab-lamport', '3');
    metadata.set('distlab-vector', '2:x');
    await expect(unaryCall(client(1), 'deliver', { messageId: 'x', payload: '' }, { metadata })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('not a vector clock entry'),
    });
    await expect(
      unaryCall(client(1), 'listEvents', { pageSize: 5, pageToken: 'nope', algorithm: '' }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe('ClockService over a log larger than the memory it keeps', () => {
  it('answers OUT_OF_RANGE to a reader whose next events were dropped, and serves the newest from the start', async () => {
    const server = await startPeer({
      id: 1,
      server: { host: '127.0.0.1', port: 0 },
      logger: silentLogger(),
      eventsInMemory: 10,
    });
    const peer = createClient(ClockServiceClient, server.address);
    try {
      for (let index = 0; index < 3; index += 1) await unaryCall(peer, 'localEvent', { label: `early ${index}` });
      // A reader takes one page and is slow to ask for the next, while the log moves on.
      const first = await unaryCall(peer, 'listEvents', { pageSize: 2, pageToken: '', algorithm: '' });
      for (let index = 0; index < 20; index += 1) await unaryCall(peer, 'localEvent', { label: `late ${index}` });
      await expect(
        unaryCall(peer, 'listEvents', { pageSize: 2, pageToken: first.nextPageToken, algorithm: '' }),
      ).rejects.toMatchObject({ code: status.OUT_OF_RANGE, details: expect.stringContaining('no longer in memory') });
      const watched = await new Promise<{ code: number }>((resolve) => {
        const stream = peer.watchEvents({ afterSequence: '2', encoding: EventEncoding.EVENT_ENCODING_JSON_LINES });
        stream.on('data', () => undefined);
        stream.on('error', resolve);
      });
      expect(watched.code).toBe(status.OUT_OF_RANGE);
      const fromStart = await unaryCall(peer, 'listEvents', { pageSize: 100, pageToken: '', algorithm: '' });
      expect(fromStart.events.map((event) => event.label)).toEqual(
        Array.from({ length: 10 }, (_, index) => `late ${index + 10}`),
      );
    } finally {
      peer.close();
      await server.shutdown(0);
    }
  });
});
