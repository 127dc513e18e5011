// What the live view costs the system it watches: five real peer processes on loopback, measured in alternating
// phases without the view and with it (the bridge following every peer's WatchEvents, health and state, and the page
// open in headless Chromium when /usr/bin/chromium exists, else a server-sent-events reader in this process):
//   (1) mutex acquire+release through peer 1 on a Session, uncontended: p50 of the acquire, after a warm-up;
//   (2) critical-section entries per second with all five peers contending (one Session client each).
// Phases alternate (without, with, without, with) so that drift of a shared machine falls on both sides; the table
// gives each phase and the ratio of the medians. Every loop is bounded in count and in time.
//
//   npx nx bench live-view
//   node --conditions=@distlab/source --import tsx libs/live-view/bench/live-view.bench.ts --reader
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { createClient } from '@distlab/grpc-kit';
import { LockSession } from '@distlab/service-clients';
import { formatTable, PeerCluster, percentile } from '@distlab/testing';
import { startLiveView, type LiveView } from '../src/index';

const PEERS = 5;
const WARM_UP_CYCLES = 500;
const CYCLES = 1_000;
const CONTENDED_MS = 4_000;
const TIME_LIMIT_MS = 60_000;
const ROUNDS = 2;
const SETTLE_MS = 3_000;
const CHROMIUM = '/usr/bin/chromium';

/** p50 of `cycles` uncontended acquire+release cycles on one Session through peer 1, in ms. */
async function uncontendedP50(cluster: PeerCluster, cycles: number): Promise<number> {
  const client = createClient(MutexServiceClient, cluster.addresses.get(1)!, { maxAttempts: 1, deadlineMs: 30_000 });
  const session = new LockSession(client);
  const latencies: number[] = [];
  const until = performance.now() + TIME_LIMIT_MS;
  try {
    for (let cycle = 0; cycle < cycles && performance.now() < until; cycle += 1) {
      const started = performance.now();
      const grant = await session.acquire({ leaseMs: 10_000, clientName: 'bench' });
      latencies.push(performance.now() - started);
      await session.release(grant.fencingToken);
    }
  } finally {
    session.close();
    client.close();
  }
  return percentile(Float64Array.from(latencies).sort(), 0.5);
}

/** Entries per second with every peer's one client contending for CONTENDED_MS. */
async function contendedRate(cluster: PeerCluster): Promise<number> {
  let entries = 0;
  const until = performance.now() + CONTENDED_MS;
  await Promise.all(
    cluster.ids.map(async (id) => {
      const client = createClient(MutexServiceClient, cluster.addresses.get(id)!, {
        maxAttempts: 1,
        deadlineMs: 30_000,
      });
      const session = new LockSession(client);
      try {
        while (performance.now() < until) {
          const grant = await session.acquire({ leaseMs: 10_000, clientName: `bench-${id}` });
          await session.release(grant.fencingToken);
          entries += 1;
        }
      } finally {
        session.close();
        client.close();
      }
    }),
  );
  return entries / (CONTENDED_MS / 1000);
}

/** A page on the view: Chromium when there is one, else a reader of the event stream in this process. */
async function openPage(view: LiveView, browser: Browser | undefined): Promise<() => Promise<void>> {
  if (browser !== undefined) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(view.url);
    return () => page.close();
  }
  return new Promise((resolve) => {
    const reader = request(`${view.url}api/stream`, (response) => {
      response.on('data', () => undefined);
      resolve(async () => void reader.destroy());
    });
    reader.end();
  });
}

async function main(): Promise<void> {
  const cluster = await PeerCluster.start({ size: PEERS });
  // --reader: a stream reader instead of the page, to tell the bridge's cost from the browser's.
  const browser =
    existsSync(CHROMIUM) && !process.argv.includes('--reader')
      ? await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
      : undefined;
  try {
    await uncontendedP50(cluster, WARM_UP_CYCLES);
    const rows: Array<[string, number, number]> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      rows.push(['without the view', await uncontendedP50(cluster, CYCLES), await contendedRate(cluster)]);
      const view = await startLiveView({ seedPeer: cluster.addresses.get(1)!, clientSettings: {} });
      const closePage = await openPage(view, browser);
      // A page that opens gets the whole run so far first; the figures are of the steady state after that.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      try {
        rows.push([
          `with the view (${browser ? 'Chromium page' : 'stream reader'})`,
          await uncontendedP50(cluster, CYCLES),
          await contendedRate(cluster),
        ]);
      } finally {
        await closePage();
        await view.stop();
      }
    }
    const median = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);
    const side = (withView: boolean) => rows.filter(([name]) => name.startsWith('with ') === withView);
    const ratio = (column: 1 | 2) =>
      median(side(true).map((row) => row[column])) / median(side(false).map((row) => row[column]));
    process.stdout.write(
      `${formatTable(
        ['phase', 'lock+unlock p50 ms', 'contended entries/s'],
        [
          ...rows.map(([name, p50, rate]) => [name, p50.toFixed(3), rate.toFixed(1)]),
          ['with / without (medians)', ratio(1).toFixed(3), ratio(2).toFixed(3)],
        ],
      )}\n`,
    );
  } finally {
    await browser?.close();
    await cluster.stop();
  }
}

void main();
