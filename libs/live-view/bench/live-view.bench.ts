// What the live view costs the system it watches: five real peer processes on loopback, measured in alternating
// phases without the view and with it (the bridge as a process of its own, as `distlab ui` runs it, following every
// peer's WatchEvents, health and state; and the page open in headless Chromium when /usr/bin/chromium exists, else a
// reader of the page's stream, which tells the page only the state and how many events there are):
//   (1) mutex acquire+release through peer 1 on a Session, uncontended: p50 of the acquire, after a warm-up;
//   (2) critical-section entries per second with all five peers contending (one Session client each), and the CPU each
//       part used per entry: the peers, the bridge, the browser (all of Chromium's processes; and its renderers apart);
//   (3) the CPU each part uses per second with the cluster at rest (nothing but its heartbeats), the view open or not.
// Phases alternate (without, with, without, with, ...) so that drift of a shared machine falls on both sides; the
// table gives each phase, the ratio of the medians, and the noise: how far apart the phases without the view were.
// The CPU per entry is the figure that does not move with the machine's load: on two cores that the peers saturate,
// what the view adds per entry is what it takes from their throughput.
//
//   npx nx bench live-view
//   node --conditions=@distlab/source --import tsx libs/live-view/bench/live-view.bench.ts --reader
//   ... live-view.bench.ts --unbatched     the peers send one Event message per response, as before WatchEvents had batches
//   ... live-view.bench.ts --messages      the peers send batches of Event messages, as before they sent JSON lines
//   ... live-view.bench.ts --polling       the bridge polls each peer's state, as before WatchState
//   SETTLE_MS=0 ... live-view.bench.ts     measure at once after the view opened (see SETTLE_MS below)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { createClient } from '@distlab/grpc-kit';
import { LockSession } from '@distlab/service-clients';
import { readEventLogs } from '@distlab/trace';
import type { SystemView } from '../src/wire';
import { cpuTimeMs, cpuTimeMsOf, formatTable, PeerCluster, percentile, WORKSPACE_ROOT } from '@distlab/testing';

const PEERS = 5;
const WARM_UP_CYCLES = 500;
const CYCLES = 1_000;
const CONTENDED_MS = 4_000;
const REST_MS = 5_000;
const TIME_LIMIT_MS = 60_000;
const ROUNDS = 3;
const CATCH_UP_LIMIT_MS = 60_000;
/**
 * How long each phase waits, once the view opened and caught up (or closed), before it measures. Opening replays every
 * event the peers keep (up to 50,000 each) to the bridge and the page, and the peers collect that garbage for a while
 * after: in a throwaway timeline of lock+unlock p50s every two seconds, the p50 was up by 10–50% for about 45 s after
 * the page opened, then settled about 10% above where it was before; closing showed a smaller dip of its own. The
 * figures are of the view held open, not of the moment it opened.
 */
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 30_000);
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const CHROMIUM = '/usr/bin/chromium';

interface Phase {
  name: string;
  withView: boolean;
  p50Ms: number;
  entriesPerSecond: number;
  peersCpuPerEntryMs: number;
  bridgeCpuPerEntryMs: number | undefined;
  browserCpuPerEntryMs: number | undefined;
  rendererCpuPerEntryMs: number | undefined;
  /** CPU ms per second at rest. */
  rest: CpuUse;
}

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

/** Critical-section entries with every peer's one client contending for CONTENDED_MS. */
async function contendedEntries(cluster: PeerCluster): Promise<number> {
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
  return entries;
}

/** Every process below `root` (Chromium's browser, renderer, GPU and utility processes), from /proc. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const parent = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => (children.get(pid) ?? []).forEach((child) => (found.push(child), visit(child)));
  visit(root);
  return found;
}

/** The bridge as `distlab ui` runs it: a process of its own. Resolves with its URL once it serves. */
async function startBridge(seedPeer: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      ...['--conditions=@distlab/source', '--import', 'tsx', join(__dirname, 'view-process.ts'), seedPeer],
      ...process.argv.filter((flag) => ['--unbatched', '--messages', '--polling'].includes(flag)),
    ],
    { cwd: WORKSPACE_ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { child, url };
}

const pageCount = (page: Page) =>
  page.evaluate(() => (window as unknown as { distlabLive: { count: number } }).distlabLive.count);

/** Waits until the page holds every event so far: its count stops growing while the cluster is at rest. */
async function caughtUp(page: Page): Promise<void> {
  let last = -1;
  for (const until = performance.now() + CATCH_UP_LIMIT_MS; performance.now() < until;) {
    const now = await pageCount(page);
    if (now === last && now > 0) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** CPU ms the peers, the bridge and the browser used. */
interface CpuUse {
  peers: number;
  bridge: number | undefined;
  browser: number | undefined;
  /** Of the browser's: its renderer processes (the page's script, layout and paint, and its reading of the stream). */
  renderer: number | undefined;
}

/** Chromium's renderer processes: Chromium writes its arguments into one space-separated command line. */
const isRenderer = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
  } catch {
    return false; // Gone meanwhile.
  }
};

/** Runs `phase`, reading the CPU of the peers and of `others` (the bridge first, then the browser's processes). */
async function cpuDuring<T>(
  cluster: PeerCluster,
  others: number[],
  phase: () => Promise<T>,
): Promise<{ value: T; elapsedMs: number; used: CpuUse }> {
  const before = { peers: cpuTimeMsOf(cluster.pids)!, others: others.map((pid) => cpuTimeMs(pid) ?? 0) };
  const started = performance.now();
  const value = await phase();
  const elapsedMs = performance.now() - started;
  const othersMs = others.map((pid, index) => (cpuTimeMs(pid) ?? before.others[index]) - before.others[index]);
  const browserMs = othersMs.slice(1);
  const used = {
    peers: cpuTimeMsOf(cluster.pids)! - before.peers,
    bridge: others.length > 0 ? othersMs[0] : undefined,
    browser: others.length > 1 ? browserMs.reduce((a, b) => a + b, 0) : undefined,
    renderer:
      others.length > 1
        ? browserMs.reduce((sum, ms, index) => sum + (isRenderer(others[index + 1]) ? ms : 0), 0)
        : undefined,
  };
  return { value, elapsedMs, used };
}

/** `used` divided by `by` (entries, or seconds), each part that was measured. */
const per = (used: CpuUse, by: number): CpuUse => ({
  peers: used.peers / by,
  bridge: used.bridge === undefined ? undefined : used.bridge / by,
  browser: used.browser === undefined ? undefined : used.browser / by,
  renderer: used.renderer === undefined ? undefined : used.renderer / by,
});

async function measure(cluster: PeerCluster, name: string, others: () => number[]): Promise<Phase> {
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // What the last call left to do.
  const rest = await cpuDuring(cluster, others(), () => new Promise((resolve) => setTimeout(resolve, REST_MS)));
  const p50Ms = await uncontendedP50(cluster, CYCLES);
  const pids = others();
  const contended = await cpuDuring(cluster, pids, () => contendedEntries(cluster));
  const entries = contended.value;
  const perEntry = per(contended.used, entries);
  return {
    name,
    withView: pids.length > 0,
    p50Ms,
    entriesPerSecond: entries / (contended.elapsedMs / 1000),
    peersCpuPerEntryMs: perEntry.peers,
    bridgeCpuPerEntryMs: perEntry.bridge,
    browserCpuPerEntryMs: perEntry.browser,
    rendererCpuPerEntryMs: perEntry.renderer,
    rest: per(rest.used, rest.elapsedMs / 1000),
  };
}

async function main(): Promise<void> {
  const cluster = await PeerCluster.start({ size: PEERS });
  // --reader: a reader of the stream instead of the page (no events read), to tell the bridge's cost from the page's.
  const browser: Browser | undefined =
    existsSync(CHROMIUM) && !process.argv.includes('--reader')
      ? await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
      : undefined;
  const browserRoot = () =>
    descendantsOf(process.pid).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('chrom'));
  try {
    // Warm up both measurements: a first contended phase on cold peers ran a quarter slower than later ones, which
    // would count as noise.
    await uncontendedP50(cluster, WARM_UP_CYCLES);
    await contendedEntries(cluster);
    const phases: Phase[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      if (round > 0) await settle();
      phases.push(await measure(cluster, 'without the view', () => []));
      const bridge = await startBridge(cluster.addresses.get(1)!);
      let page: Page | undefined;
      let reader: ReturnType<typeof request> | undefined;
      try {
        if (browser !== undefined) {
          page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
          await page.goto(bridge.url);
          // A page that opens gets the whole run so far first; the figures are of the steady state after that.
          await caughtUp(page);
        } else {
          reader = request(`${bridge.url}api/stream`, (response) => response.on('data', () => undefined));
          reader.end();
        }
        await settle();
        const label = `with the view (${browser ? 'Chromium page' : 'stream reader'})`;
        phases.push(await measure(cluster, label, () => [bridge.child.pid!, ...(browser ? browserRoot() : [])]));
        if (page !== undefined) {
          // The view kept up if, once the load stops, the page can read every event the peers logged, each once, but
          // for those a peer had already dropped from memory when the view opened (the peers keep the newest; the view
          // counts the rest as missed, and the log files have them).
          await caughtUp(page);
          const logged = readEventLogs(cluster.eventsDir).length;
          const { shown, missed } = await page.evaluate(async () => {
            const live = (window as unknown as { distlabLive: { lines(): Promise<string[]>; view?: SystemView } })
              .distlabLive;
            const missedEvents = (live.view?.peers ?? []).reduce((sum, peer) => sum + peer.missedEvents, 0);
            // Each event once: its peer, life and sequence.
            const keys = new Set(
              (await live.lines()).map((line) => {
                const event = JSON.parse(line) as { peer: number; incarnation: number; sequence: number };
                return `${event.peer}/${event.incarnation}/${event.sequence}`;
              }),
            );
            return { shown: keys.size, missed: missedEvents };
          });
          process.stderr.write(
            `round ${round + 1}: ${shown} events on the page, ${missed} dropped by the peers before it opened, ` +
              `${logged} in the peers' logs\n`,
          );
          if (shown + missed !== logged) throw new Error(`the page holds ${shown} + ${missed}, the logs ${logged}`);
        }
      } finally {
        await page?.close();
        reader?.destroy();
        bridge.child.stdin!.end();
        if (bridge.child.exitCode === null) await new Promise((resolve) => bridge.child.once('exit', resolve));
      }
    }
    const median = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);
    const side = (withView: boolean) => phases.filter((phase) => phase.withView === withView);
    const ratio = (pick: (phase: Phase) => number) => median(side(true).map(pick)) / median(side(false).map(pick));
    const spread = (pick: (phase: Phase) => number) => {
      const values = side(false).map(pick);
      return (Math.max(...values) - Math.min(...values)) / median(values);
    };
    const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(3));
    const perSecond = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
    process.stdout.write(
      `${formatTable(
        [
          'phase',
          'lock+unlock p50 ms',
          'contended entries/s',
          'CPU ms/entry: peers',
          'bridge',
          'browser',
          'of which renderer',
          'at rest, CPU ms/s: peers',
          'bridge',
          'browser',
        ],
        [
          ...phases.map((phase) => [
            phase.name,
            phase.p50Ms.toFixed(3),
            phase.entriesPerSecond.toFixed(1),
            ms(phase.peersCpuPerEntryMs),
            ms(phase.bridgeCpuPerEntryMs),
            ms(phase.browserCpuPerEntryMs),
            ms(phase.rendererCpuPerEntryMs),
            perSecond(phase.rest.peers),
            perSecond(phase.rest.bridge),
            perSecond(phase.rest.browser),
          ]),
          [
            'with / without (medians)',
            ratio((phase) => phase.p50Ms).toFixed(3),
            ratio((phase) => phase.entriesPerSecond).toFixed(3),
            ratio((phase) => phase.peersCpuPerEntryMs).toFixed(3),
            '',
            '',
            '',
            ratio((phase) => phase.rest.peers).toFixed(3),
            '',
            '',
          ],
          [
            'noise: spread without the view',
            spread((phase) => phase.p50Ms).toFixed(3),
            spread((phase) => phase.entriesPerSecond).toFixed(3),
            spread((phase) => phase.peersCpuPerEntryMs).toFixed(3),
            '',
            '',
            '',
            spread((phase) => phase.rest.peers).toFixed(3),
            '',
            '',
          ],
        ],
      )}\n`,
    );
    const withView = side(true);
    const addedMs =
      median(withView.map((phase) => phase.peersCpuPerEntryMs)) -
      median(side(false).map((phase) => phase.peersCpuPerEntryMs)) +
      median(withView.map((phase) => phase.bridgeCpuPerEntryMs ?? 0)) +
      median(withView.map((phase) => phase.browserCpuPerEntryMs ?? 0));
    const baseMs = median(side(false).map((phase) => phase.peersCpuPerEntryMs));
    for (const [figure, pick] of [
      ['lock+unlock p50', (phase: Phase) => 1 / phase.p50Ms],
      ['contended entries/s', (phase: Phase) => phase.entriesPerSecond],
    ] as const) {
      // A figure is within noise when the view moves it less than the phases without the view differ among themselves.
      const moved = 1 - ratio(pick);
      const noise = spread(pick);
      process.stdout.write(
        `${figure}: ${moved > 0 ? `${(moved * 100).toFixed(1)}% worse` : `${(-moved * 100).toFixed(1)}% better`} ` +
          `with the view, noise ${(noise * 100).toFixed(1)}%: ${moved <= noise ? 'within noise' : 'NOT within noise'}\n`,
      );
    }
    process.stdout.write(
      `\nThe view adds ${addedMs.toFixed(3)} ms of CPU per entry to the peers' ${baseMs.toFixed(3)} ` +
        `(${((addedMs / baseMs) * 100).toFixed(1)}%), peers' own increase included.\n`,
    );
  } finally {
    await browser?.close();
    await cluster.stop();
    cluster.removeFiles();
  }
}

void main();
