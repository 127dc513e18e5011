import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { MutexServiceService, type ExchangeRequest, type ExchangeResponse } from '@distlab/contracts/mutex/v1/mutex';
import { Code, isServiceError, silentLogger } from '@distlab/grpc-kit';
import { EventLog, LogicalClocks, MessageStamper, PeerLinks } from '../messaging';
import { MutexExchange } from './mutex-exchange';

// The sending side of Exchange against stand-in receivers: what a frame's promise says for each kind of
// acknowledgement, and that a peer that moves gets a new stream at its new address.

interface Receiver {
  address: string;
  frames: ExchangeRequest[];
  streams: number;
  cancelled: number;
  stop(): Promise<void>;
}

/**
 * A receiver that takes every frame and acknowledges each at once, except those whose label says "refuse" (refused)
 * or "ignore" (never acknowledged).
 */
async function receiver(atPort = 0): Promise<Receiver> {
  const server = new Server();
  const state = { frames: [] as ExchangeRequest[], streams: 0, cancelled: 0 };
  server.addService(MutexServiceService, {
    exchange: (call: ServerDuplexStream<ExchangeRequest, ExchangeResponse>) => {
      state.streams += 1;
      call.on('cancelled', () => (state.cancelled += 1));
      call.on('data', (frame: ExchangeRequest) => {
        state.frames.push(frame);
        if (frame.stamp?.label === 'ignore') return;
        const refused = frame.stamp?.label === 'refuse';
        call.write({
          takenThrough: frame.frameId,
          refusals: refused ? [{ frameId: frame.frameId, code: Code.FAILED_PRECONDITION, message: 'no' }] : [],
        });
      });
      call.on('end', () => call.end());
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${atPort}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    get frames() {
      return state.frames;
    },
    get streams() {
      return state.streams;
    },
    get cancelled() {
      return state.cancelled;
    },
    // Goes away as a killed peer does: open streams are cut, not waited for.
    stop: async () => server.forceShutdown(),
  };
}

function linksTo(members: Map<number, string>): PeerLinks {
  const clocks = new LogicalClocks(1);
  const stamper = new MessageStamper(clocks, new EventLog({ peerId: 1 }), 1);
  return new PeerLinks({ stamper, members, logger: silentLogger() });
}

const reply = {
  $case: 'reply' as const,
  value: { fromPeerId: 1, requestTimestamp: '1', incarnation: '1', requesterIncarnation: '1', fencingTokenSeen: '0' },
};
/** Sends the reply to peer 2 as the mutex driver does: through the links, which fill the frame's envelope. */
const sendVia = (links: PeerLinks, exchange: MutexExchange, label: string) =>
  links.send(2, { algorithm: 'ricart-agrawala', label }, (envelope) => exchange.send(2, reply, envelope));

describe('MutexExchange (sending)', () => {
  it('resolves taken frames, rejects refused ones with their status, and stamps each frame', async () => {
    const peer2 = await receiver();
    const links = linksTo(new Map([[2, peer2.address]]));
    const exchange = new MutexExchange(links);
    try {
      await sendVia(links, exchange, 'Reply(ts=1)');
      await expect(sendVia(links, exchange, 'refuse')).rejects.toMatchObject({
        code: Code.FAILED_PRECONDITION,
        details: 'no',
      });
      expect(peer2.streams).toBe(1); // Both on one stream.
      expect(peer2.frames.map((frame) => frame.stamp?.sender)).toEqual([1, 1]);
      expect(peer2.frames.map((frame) => frame.stamp?.lamport)).toEqual(['1', '2']);
    } finally {
      exchange.close();
      links.close();
      await peer2.stop();
    }
  });

  it('fails a frame never acknowledged as DEADLINE_EXCEEDED at its own deadline, one after another', async () => {
    const peer2 = await receiver();
    const links = linksTo(new Map([[2, peer2.address]]));
    const exchange = new MutexExchange(links, 300);
    try {
      const failedAt = (send: Promise<void>) =>
        send.then(
          () => 'taken',
          (error: unknown) =>
            isServiceError(error) && error.code === Code.DEADLINE_EXCEEDED ? performance.now() : error,
        );
      const startedAt = performance.now();
      const first = failedAt(sendVia(links, exchange, 'ignore'));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const second = failedAt(sendVia(links, exchange, 'ignore'));
      const [firstAt, secondAt] = (await Promise.all([first, second])) as number[];
      expect(firstAt - startedAt).toBeGreaterThanOrEqual(290); // Not before its deadline…
      expect(secondAt - firstAt).toBeGreaterThanOrEqual(100); // …nor the second at the first's.
      await sendVia(links, exchange, 'after'); // The stream goes on.
    } finally {
      exchange.close();
      links.close();
      await peer2.stop();
    }
  });

  it('fails what is pending as UNAVAILABLE when the receiver goes, and opens a new stream at the next message', async () => {
    const peer2 = await receiver();
    const links = linksTo(new Map([[2, peer2.address]]));
    const exchange = new MutexExchange(links);
    try {
      await sendVia(links, exchange, 'first');
      await peer2.stop();
      const failure = await sendVia(links, exchange, 'second').catch((error: unknown) => error);
      expect(isServiceError(failure) && failure.code).toBe(Code.UNAVAILABLE);
      // The peer comes back at the same address: a later message goes through, on a stream of its own.
      const restarted = await receiver(Number(peer2.address.split(':')[1]));
      try {
        let delivered = false;
        for (let attempt = 0; !delivered && attempt < 100; attempt += 1)
          delivered = await sendVia(links, exchange, 'third').then(
            () => true,
            () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20)),
          );
        expect(delivered).toBe(true);
        expect(restarted.frames.map((frame) => frame.stamp?.label)).toContain('third');
        expect(restarted.streams).toBe(1);
      } finally {
        await restarted.stop();
      }
    } finally {
      exchange.close();
      links.close();
    }
  });

  it('moves to a peer’s new address: the old stream is cancelled and the next frame goes to the new one', async () => {
    const [before, after] = [await receiver(), await receiver()];
    const links = linksTo(new Map([[2, before.address]]));
    const exchange = new MutexExchange(links);
    try {
      await sendVia(links, exchange, 'at the old address');
      links.add(2, after.address);
      await sendVia(links, exchange, 'at the new address');
      expect(before.frames.map((frame) => frame.stamp?.label)).toEqual(['at the old address']);
      expect(after.frames.map((frame) => frame.stamp?.label)).toEqual(['at the new address']);
      for (let waited = 0; before.cancelled === 0 && waited < 2_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(before.cancelled).toBe(1);
    } finally {
      exchange.close();
      links.close();
      await Promise.all([before.stop(), after.stop()]);
    }
  });
});
