import { ClockServiceClient } from '@distlab/contracts/clock/v1/clock';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster } from '@distlab/testing';
import { LiveSystem, type WireEvent } from './index';

// The bridge follows each peer's WatchEvents from its first event. A peer keeps only its newest events in memory
// (here 1,000): when the bridge starts after more than that, the older ones can no longer be streamed, and it must go
// on from the oldest the peer still has, saying how many it missed, instead of retrying the impossible forever.

let cluster: PeerCluster;
afterAll(async () => cluster?.stop());

it('goes on from the oldest event a peer still keeps, and counts the ones it missed', async () => {
  cluster = await PeerCluster.start({ size: 2, argsFor: () => ['--events-in-memory', '1000'] });
  const clock = createClient(ClockServiceClient, cluster.addresses.get(1)!);
  for (let index = 0; index < 1_200; index += 1) await unaryCall(clock, 'localEvent', { label: `early ${index}` });
  const system = new LiveSystem({ seedPeer: cluster.addresses.get(1)!, clientSettings: {} });
  try {
    await system.start();
    await unaryCall(clock, 'localEvent', { label: 'after the view started' });
    const deadline = Date.now() + 30_000;
    const events = () => system.events.map((line) => JSON.parse(line) as WireEvent);
    const seen = () => events().some((event) => event.peer === 1 && event.label === 'after the view started');
    while (!seen() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen()).toBe(true);
    const ofPeer1 = events()
      .filter((event) => event.peer === 1)
      .map((event) => event.sequence);
    const missed = system.view({ canControlProcesses: false, processNames: [], demos: [] }).peers[0].missedEvents;
    expect(missed).toBeGreaterThan(0);
    // Everything from the oldest kept on, in order, none twice.
    expect(ofPeer1[0]).toBe(missed + 1);
    expect(ofPeer1).toEqual(ofPeer1.map((_, index) => missed + 1 + index));
  } finally {
    system.stop();
    clock.close();
  }
}, 120_000);
