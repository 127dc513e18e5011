// The live view's bridge as a process of its own, as `distlab ui` runs it: the benchmark measures its CPU apart from
// the load generator's. Prints the page's URL on its first line, then serves until stdin closes.
import { startLiveView } from '../src/index';

async function main(): Promise<void> {
  const seedPeer = process.argv[2];
  // --unbatched: the peers send one Event message per response, as before batches, to measure what batches save.
  // --messages: batches of Event messages, as before JSON lines, to measure what the lines save.
  // --polling: each peer's state polled, as before WatchState, to measure what the stream saves.
  const unbatched = process.argv.includes('--unbatched');
  const view = await startLiveView({
    seedPeer,
    clientSettings: {},
    eventBatchWindowMs: unbatched ? 0 : undefined,
    eventEncoding: unbatched || process.argv.includes('--messages') ? 'messages' : 'json-lines',
    statePolled: process.argv.includes('--polling'),
  });
  process.stdout.write(`${view.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void view.stop().then(() => process.exit(0)));
}

void main();
