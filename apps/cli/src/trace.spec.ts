/// <reference lib="dom" />
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ElectionAlgorithm, ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster, spawnDistlab } from '@distlab/testing';
import { readEventLogs, renderTraceHtml, type TraceEvent } from '@distlab/trace';

// The space-time diagram of a real run, opened in headless Chromium: a cluster of four peer processes runs
// Ricart–Agrawala and a Ring election; `distlab trace` writes the page from their event-log files; the page shows one
// lane per peer and one arrow per message of the logs, hovering an arrow shows the stamps the logs hold for its send
// and receive, the filters hide what they name, and a screenshot is saved. Chromium comes from Debian's `chromium`
// package (.ci/run installs it); without it the browser part is skipped, saying why.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const out = mkdtempSync(join(tmpdir(), 'distlab-trace-'));
let cluster: PeerCluster;
let events: TraceEvent[];
let browser: Browser | undefined;

beforeAll(async () => {
  cluster = await PeerCluster.start({ size: 4 });
  const election = createClient(ElectionServiceClient, cluster.addresses.get(1)!);
  await unaryCall(election, 'startElection', { algorithm: ElectionAlgorithm.ELECTION_ALGORITHM_RING, wait: true });
  election.close();
  await Promise.all(
    cluster.ids.map(async (id) => {
      const mutex = createClient(MutexServiceClient, cluster.addresses.get(id)!);
      for (let entry = 0; entry < 2; entry += 1) {
        const grant = await unaryCall(mutex, 'acquire', { lease: undefined, clientName: `trace-${id}` });
        await unaryCall(mutex, 'release', { fencingToken: grant.fencingToken });
      }
      mutex.close();
    }),
  );
  await cluster.stop();
  events = readEventLogs(cluster.eventsDir);
  const run = spawnDistlab([
    'trace',
    '--events-dir',
    cluster.eventsDir,
    '--out',
    join(out, 'run.html'),
    '--shiviz',
    join(out, 'run.log'),
    '--title',
    'trace test',
  ]);
  run.child.stdin!.end();
  expect(await run.exited()).toBe(0);
  if (haveChromium)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

describe('distlab trace', () => {
  it('writes one self-contained page and a ShiViz log', () => {
    expect(statSync(join(out, 'run.html')).size).toBeGreaterThan(1000);
    expect(statSync(join(out, 'run.log')).size).toBeGreaterThan(100);
  });

  const browserTest = haveChromium ? it : it.skip;
  browserTest(
    `draws a lane per peer and an arrow per message, with the stamps on hover${haveChromium ? '' : ` (skipped: no ${CHROMIUM}; .ci/run installs Debian's chromium)`}`,
    async () => {
      const page = await browser!.newPage({ viewport: { width: 1000, height: 20_000 } });
      await page.goto(`file://${join(out, 'run.html')}`);
      const sends = events.filter((event) => event.kind === 'send');
      expect(await page.locator('.lane').count()).toBe(4);
      expect(await page.locator('.lane-name').allTextContents()).toEqual(['peer-1', 'peer-2', 'peer-3', 'peer-4']);
      // The viewport holds the whole run, so every arrow is drawn (larger runs draw the rows in view).
      await page.locator('#zoom').fill('3');
      expect(await page.locator('.arrow').count()).toBe(sends.length);
      expect(await page.locator('#counts').textContent()).toContain('Ricart–Agrawala: 6.0 messages per entry, 4 peers');

      // Hover an arrow of Ricart–Agrawala and read its stamps: those the logs hold for its send and receive.
      await page.locator('#zoom').fill('18');
      // Arrows cross: take the first Request whose midpoint no other arrow covers (a trial hover says so).
      let request: TraceEvent | undefined;
      for (const candidate of sends.filter(
        (event) => event.algorithm === 'ricart-agrawala' && event.label.includes('Request'),
      )) {
        const arrow = page.locator(`.arrow-hit[data-message="${await messageIndexOf(page, candidate)}"]`);
        await arrow.scrollIntoViewIfNeeded();
        const free = await arrow.hover({ trial: true, timeout: 500 }).then(
          () => true,
          () => false,
        );
        if (!free) continue;
        await arrow.hover();
        request = candidate;
        break;
      }
      expect(request).toBeDefined();
      const receive = events.find((event) => event.kind === 'receive' && event.messageId === request!.messageId)!;
      const tooltip = await page.locator('#tooltip').textContent();
      const vector = (event: TraceEvent) => [...event.vector].map(([peer, count]) => `${peer}:${count}`).join(',');
      expect(tooltip).toContain(`send L=${request!.lamport} V=[${vector(request!)}]`);
      expect(tooltip).toContain(`receive L=${receive.lamport} V=[${vector(receive)}]`);

      // Filters: hiding Ricart–Agrawala leaves only the other algorithms' arrows.
      await page.locator('#zoom').fill('3');
      await page.locator('.filter-algorithm[value="ricart-agrawala"]').uncheck();
      expect(await page.locator('.arrow').count()).toBe(
        sends.filter((event) => event.algorithm !== 'ricart-agrawala').length,
      );
      await page.locator('.filter-algorithm[value="ricart-agrawala"]').check();
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.screenshot({ path: join(out, 'run.png') });
      expect(statSync(join(out, 'run.png')).size).toBeGreaterThan(5000);
    },
    60_000,
  );
});

describe('a large run', () => {
  const browserTest = haveChromium ? it : it.skip;
  browserTest(
    `stays usable at 12,000 events: only the rows in view are drawn, scrolling and zoom follow${haveChromium ? '' : ` (skipped: no ${CHROMIUM})`}`,
    async () => {
      // Four peers passing a token round a ring, 3,000 times: 12,000 events, 6,000 messages.
      const synthetic: TraceEvent[] = [];
      const vectors = [1, 2, 3, 4].map(() => new Map<number, number>());
      const sequences = [0, 0, 0, 0];
      let lamport = 0;
      const log = (peer: number, kind: TraceEvent['kind'], messageId: string, from?: ReadonlyMap<number, number>) => {
        const vector = vectors[peer - 1];
        for (const [id, count] of from ?? []) vector.set(id, Math.max(vector.get(id) ?? 0, count));
        vector.set(peer, (vector.get(peer) ?? 0) + 1);
        lamport += 1;
        sequences[peer - 1] += 1;
        synthetic.push({
          peer,
          incarnation: 1,
          sequence: sequences[peer - 1],
          kind,
          lamport,
          vector: new Map(vector),
          wallTime: '',
          algorithm: 'ring',
          label: `token ${messageId}`,
          messageId,
        });
      };
      for (let hop = 0; hop < 6_000; hop += 1) {
        const from = (hop % 4) + 1;
        const to = (from % 4) + 1;
        log(from, 'send', String(hop));
        log(to, 'receive', String(hop), synthetic.at(-1)!.vector);
      }
      writeFileSync(join(out, 'large.html'), renderTraceHtml(synthetic, 'large'));
      const page = await browser!.newPage({ viewport: { width: 1000, height: 800 } });
      await page.goto(`file://${join(out, 'large.html')}`);
      expect(await page.locator('#summary').getAttribute('data-events')).toBe('12000');
      const drawn = await page.locator('.event').count();
      expect(drawn).toBeGreaterThan(10);
      expect(drawn).toBeLessThan(500);
      await page.locator('#scroller').evaluate((scroller) => (scroller.scrollTop = scroller.scrollHeight));
      // The rows in view are drawn on a frame after the scroll: wait (bounded) until the bottom rows are drawn.
      const bottomDrawn = (minimumCy: number) =>
        Math.max(...Array.from(document.querySelectorAll('circle.event')).map((c) => Number(c.getAttribute('cy')))) >
        minimumCy;
      await page.waitForFunction(bottomDrawn, 12_000 * 15, { timeout: 20_000 }).catch(() => undefined);
      expect(await page.evaluate(bottomDrawn, 12_000 * 15)).toBe(true);
      await page.locator('#zoom').fill('3');
      expect(await page.locator('.event').count()).toBeLessThan(1_000);
    },
    60_000,
  );
});

/** The page's index of the message sent by `send`: its position among the logs' sends in the page's row order. */
async function messageIndexOf(page: import('playwright-core').Page, send: TraceEvent): Promise<number> {
  return page.evaluate(
    ([peer, sequence]) => {
      const model = (
        globalThis as unknown as {
          distlabModel: {
            events: Array<{ peer: number; sequence: number; row: number }>;
            messages: Array<{ from: number }>;
          };
        }
      ).distlabModel;
      const row = model.events.find((event) => event.peer === peer && event.sequence === sequence)!.row;
      return model.messages.findIndex((message) => message.from === row);
    },
    [send.peer, send.sequence] as const,
  );
}
