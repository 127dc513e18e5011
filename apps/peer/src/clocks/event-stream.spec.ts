// The batched writer against a real object-mode Writable that takes its time, as a gRPC server stream over a socket
// does: a replay far longer than the stream's high-water mark arrives whole and in order, then the new events.
import { Writable } from 'node:stream';
import type { Event, WatchEventsResponse } from '@distlab/contracts/clock/v1/clock';
import { EventLog } from '../messaging';
import { messageEncoder, streamEvents } from './event-stream';

const BOUND_MS = 20_000;

function appendLocal(log: EventLog, count: number): void {
  for (let index = 0; index < count; index += 1) {
    const stamp = { lamport: index, vector: new Map([[1, index]]), vectorText: `1:${index}` };
    log.append({ kind: 'local', stamp, algorithm: 'clock', label: 'e' });
  }
}

describe('streamEvents in batches', () => {
  it('replays a log of many batches whole and in order through a slow stream, then follows new events', async () => {
    const log = new EventLog({ peerId: 1 });
    appendLocal(log, 20_000); // About 40 batches: well past an object-mode stream's high-water mark of 16.
    const received: string[] = [];
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 16,
      write(response: WatchEventsResponse, _encoding, done) {
        received.push(...response.events.map((event) => event.sequence));
        setTimeout(done, 1); // A socket's write completes later, here slower than the replay writes.
      },
    });
    const failures: unknown[] = [];
    const stop = streamEvents(sink, {
      log,
      afterSequence: 0,
      batchWindowMs: 20,
      encoder: messageEncoder((event) => ({ sequence: String(event.sequence) }) as Event),
      onFailed: (error) => failures.push(error),
    });
    try {
      for (const until = Date.now() + BOUND_MS; received.length < 20_000 && Date.now() < until;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      appendLocal(log, 3);
      for (const until = Date.now() + BOUND_MS; received.length < 20_003 && Date.now() < until;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(failures).toEqual([]);
      expect(received).toEqual(Array.from({ length: 20_003 }, (_, index) => String(index + 1)));
    } finally {
      stop();
    }
  });
});
