// The live view's bridge as a process of its own, as `distlab ui` runs it: the benchmark measures its CPU apart from
// the load generator's. Prints the page's URL on its first line, then serves until stdin closes.
import { startLiveView } from '../src/index';

async function main(): Promise<void> {
  const seedPeer = process.argv[2];
  // --unbatched: the peers send one event per message, as before batches, to measure what batches save.
  const eventBatchWindowMs = process.argv.includes('--unbatched') ? 0 : undefined;
  const view = await startLiveView({ seedPeer, clientSettings: {}, eventBatchWindowMs });
  process.stdout.write(`${view.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void view.stop().then(() => process.exit(0)));
}

void main();
