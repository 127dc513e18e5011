// A test process that starts a one-peer cluster, prints the peer's pid, and waits: the testing spec kills it with
// SIGKILL, as a crashed test run would die, and checks that the peer does not live on as an orphan.
import { PeerCluster } from '../peer-cluster';

void PeerCluster.start({ size: 1 }).then((cluster) => {
  process.stdout.write(`${JSON.stringify({ peerPid: cluster.pids[0] })}\n`);
  setInterval(() => undefined, 60_000);
});
