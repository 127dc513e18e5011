/// <reference lib="dom" />
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PeerCluster, WORKSPACE_ROOT } from '@distlab/testing';
import { formatVector } from '@distlab/clock';
import { ClockServiceClient } from '@distlab/contracts/clock/v1/clock';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { readEventLogs } from '@distlab/trace';
import { startLiveView, type LiveView, type SystemView } from './index';

// The live view of a fresh cluster of four real peer processes, driven from headless Chromium like a student would:
// the page lists every peer, pausing the leader from the page makes a new leader appear in the table and as a leader
// mark on the space-time diagram, acquiring the lock from the page shows the holder with its fencing token, and
// stepping back to an earlier event shows each process's vector clock at that moment, equal to what that peer's own
// log file says; and a page whose bridge restarts starts over with it, each event once. Screenshots go to a temporary
// directory (and, with DISTLAB_DOCS_SCREENSHOTS=1, to docs/images).
// Chromium comes from Debian's `chromium` package (.ci/run installs it); without it the test is skipped, saying why.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const shots = mkdtempSync(join(tmpdir(), 'distlab-live-'));
const WAIT_MS = 60_000;
let cluster: PeerCluster;
let view: LiveView;
let browser: Browser | undefined;

/** Polls `condition` in the page until it holds, with a generous bound (never a timing assertion). */
async function until(page: Page, what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await page.waitForTimeout(200);
  }
  await page.screenshot({ path: join(shots, 'failed.png') });
  const result = await page.locator('#result').textContent();
  throw new Error(`not within ${WAIT_MS} ms: ${what} (page: ${join(shots, 'failed.png')}; last result: ${result})`);
}

const systemOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { distlabLive: { view: SystemView | undefined } }).distlabLive.view);

beforeAll(async () => {
  cluster = await PeerCluster.start({ size: 4 });
  view = await startLiveView({ seedPeer: cluster.addresses.get(1)!, clientSettings: {} });
  if (haveChromium)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
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
  await view?.stop();
  await cluster?.stop();
});

const browserTest = haveChromium ? it : it.skip;
browserTest(
  `shows every peer, a new leader after the leader is paused, the lock holder, and a peer's vector clock at an earlier event${haveChromium ? '' : ` (skipped: no ${CHROMIUM}; .ci/run installs Debian's chromium)`}`,
  async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(view.url);

    // Every process, with its health.
    await until(
      page,
      'four serving peers in the table',
      async () =>
        (await page.locator('#peers tr[data-peer] td:nth-child(2)').allTextContents()).filter((text) =>
          text.includes('SERVING'),
        ).length === 4,
    );
    expect(await page.locator('#peers tr[data-peer]').count()).toBe(4);

    // Pause the leader from the page; another peer takes over, in the table and on the diagram.
    await until(page, 'a leader in the table', async () => (await page.locator('#peers td.leader').count()) === 1);
    const oldLeader = Number(await page.locator('#peers tr:has(td.leader)').getAttribute('data-peer'));
    await page.getByRole('button', { name: `Pause peer-${oldLeader}` }).click();
    await until(page, 'the page to say the leader is paused', async () =>
      (await page.locator(`#peers tr[data-peer="${oldLeader}"] td:nth-child(2)`).textContent())!.includes('PAUSED'),
    );
    // A new leader runs elections of its own while lower peers still call theirs ("electing…"): wait until it settles.
    // (The paused old leader still says it leads: it has heard nothing since.)
    let newLeader = 0;
    await until(page, 'a new leader in the table', async () => {
      const leaders = ((await systemOf(page))?.peers ?? [])
        .filter((peer) => peer.peerId !== oldLeader && peer.leaderId === peer.peerId)
        .map((peer) => peer.peerId);
      newLeader = leaders[0] ?? 0;
      const marked = await page
        .locator(`#peers tr[data-peer="${newLeader}"] td.leader`)
        .evaluateAll((cells) => cells.map((cell) => cell.textContent ?? ''));
      return leaders.length === 1 && marked.length === 1 && marked[0].startsWith('★ leader');
    });
    const leaderRow = async () =>
      page.evaluate((leader) => {
        const model = (
          window as unknown as {
            distlabLive: { model: { events: Array<{ kind: string; peer: number; label: string }> } };
          }
        ).distlabLive.model;
        return model.events.findIndex(
          (event) =>
            event.kind === 'leader-changed' && event.peer === leader && event.label.startsWith(`leader is ${leader} `),
        );
      }, newLeader);
    await until(page, 'the new leader on the diagram', async () => (await leaderRow()) >= 0);
    await page.evaluate(
      (row) => (document.getElementById('scroller')!.scrollTop = 20 + row * 18 - 200),
      await leaderRow(),
    );
    await until(
      page,
      'the leader mark drawn',
      async () => (await page.locator(`.leader-mark[data-peer="${newLeader}"]`).count()) > 0,
    );
    await page.screenshot({ path: join(shots, 'leader-paused.png') });

    // Ricart–Agrawala needs every member's reply, a paused one's too: resume it before asking for the lock.
    await page.getByRole('button', { name: `Resume peer-${oldLeader}` }).click();
    await until(
      page,
      'the old leader resumed',
      async () =>
        !(await page.locator(`#peers tr[data-peer="${oldLeader}"] td:nth-child(2)`).textContent())!.includes('PAUSED'),
    );

    // Acquire the lock from the page: the holder and its fencing token appear.
    const holder = [1, 2, 3, 4].find((id) => id !== oldLeader)!;
    await page.getByRole('button', { name: `Acquire the lock on peer-${holder}` }).click();
    await until(page, 'the holder in the table', async () =>
      /■ holds, token \d+/.test(
        (await page.locator(`#peers tr[data-peer="${holder}"] td:nth-child(4)`).textContent()) ?? '',
      ),
    );
    expect(await page.locator('#result').textContent()).toMatch(/^✓ peer-\d entered the critical section/);
    await page.screenshot({ path: join(shots, 'lock-held.png') });

    // Step back event by event from the newest, then read a peer's vector clock at that moment.
    await page.locator('#scroller').focus();
    for (let step = 0; step < 25; step += 1) await page.keyboard.press('k');
    const stepped = await page.locator('#step-event').getAttribute('data-row');
    expect(Number(stepped)).toBeGreaterThan(0);
    const shown = await page.evaluate((row) => {
      const model = (
        window as unknown as {
          distlabLive: { model: { events: Array<{ peer: number; incarnation: number; sequence: number }> } };
        }
      ).distlabLive.model;
      return model.events[row];
    }, Number(stepped));
    const cell = await page.locator(`#step-states tr[data-peer="${shown.peer}"] td.vector`).textContent();
    // What the peer's own log file says of that event.
    const logged = readEventLogs(cluster.eventsDir).find(
      (event) =>
        event.peer === shown.peer && event.incarnation === shown.incarnation && event.sequence === shown.sequence,
    );
    expect(logged).toBeDefined();
    expect(cell).toBe(`[${formatVector(logged!.vector)}]`);
    await page.screenshot({ path: join(shots, 'step-through.png') });

    await page.getByRole('button', { name: `Release the lock on peer-${holder}` }).click();
    await until(page, 'released', async () => ((await systemOf(page))?.peers[holder - 1].heldByPage ?? '') === '');
    for (const file of ['leader-paused.png', 'lock-held.png', 'step-through.png'])
      expect(statSync(join(shots, file)).size).toBeGreaterThan(10_000);
    await context.close();
  },
  180_000,
);

/** For docs/live-view.md: the page during a partition and during Ricart–Agrawala contention. */
browserTest(
  `shows a partition and Ricart–Agrawala contention${haveChromium ? '' : ` (skipped: no ${CHROMIUM})`}`,
  async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(view.url);
    await until(page, 'four peers', async () => (await page.locator('#peers tr[data-peer]').count()) === 4);

    // Contention: peer-1 holds the lock for the page; the others ask too, and wait.
    await page.getByRole('button', { name: 'Acquire the lock on peer-1' }).click();
    await until(page, 'peer-1 holds', async () => ((await systemOf(page))?.peers[0].mutex?.state ?? '') === 'held');
    for (const id of [2, 3]) await page.getByRole('button', { name: `Acquire the lock on peer-${id}` }).click();
    await until(page, 'peer-2 and peer-3 waiting, peer-1 deferring', async () => {
      const peers = (await systemOf(page))?.peers ?? [];
      return (
        peers[1].mutex?.state === 'wanted' &&
        peers[2].mutex?.state === 'wanted' &&
        peers[0].mutex!.deferred.length === 2
      );
    });
    await page.waitForTimeout(400); // Let the diagram draw the requests that just arrived (a picture, not an assertion).
    await page.screenshot({ path: join(shots, 'live-view-contention.png') });
    expect(await page.locator('#peers tr[data-peer="1"] td:nth-child(4)').textContent()).toContain('defers');
    for (const id of [1, 2, 3]) {
      await until(
        page,
        `peer-${id} holds for the page`,
        async () => ((await systemOf(page))?.peers[id - 1].heldByPage ?? '') !== '',
      );
      await page.getByRole('button', { name: `Release the lock on peer-${id}` }).click();
    }

    // A partition: {1,2} | {3,4}, set from the page.
    await page.locator('#partition-groups').fill('1,2 | 3,4');
    await page.getByRole('button', { name: 'Partition' }).click();
    await until(page, 'the faults in the table', async () =>
      ((await page.locator('#peers tr[data-peer="1"]').textContent()) ?? '').includes('→ peer-3: blocked'),
    );
    await page.getByRole('button', { name: 'Start a Ring election from peer-1' }).click();
    await until(page, 'the ring election answered', async () =>
      /election|✗/.test((await page.locator('#result').textContent()) ?? ''),
    );
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(shots, 'live-view-partition.png') });
    await page.getByRole('button', { name: 'Heal all' }).click();
    await until(page, 'healed', async () => ((await page.locator('#result').textContent()) ?? '').includes('healed'));

    if (process.env['DISTLAB_DOCS_SCREENSHOTS'] === '1') {
      mkdirSync(join(WORKSPACE_ROOT, 'docs', 'images'), { recursive: true });
      for (const file of ['live-view-contention.png', 'live-view-partition.png'])
        copyFileSync(join(shots, file), join(WORKSPACE_ROOT, 'docs', 'images', file));
    }
    await context.close();
  },
  180_000,
);

/**
 * A page outlives its bridge: when `distlab ui` restarts, the new bridge numbers its events from 0 again, under another
 * run, and the page starts over instead of mixing the two numberings (it would hold the same events twice, or wait for
 * the new count to pass the old one).
 */
browserTest(
  `starts over when its bridge restarts, each event once${haveChromium ? '' : ` (skipped: no ${CHROMIUM})`}`,
  async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(view.url);
    const drawnUpTo = () =>
      page.evaluate(() => (window as unknown as { distlabLive: { count: number } }).distlabLive.count);
    await until(page, 'events on the diagram', async () => (await drawnUpTo()) > 0);

    const port = view.port;
    await view.stop();
    await until(page, 'the page to say it lost the view', async () =>
      ((await page.locator('#connection').textContent()) ?? '').includes('disconnected'),
    );
    // Events on every peer while no bridge watches: the new one reads each peer's history a peer at a time, so its
    // numbering differs from the old one's, and an event's old number names another event now.
    for (const id of [1, 2, 3, 4]) {
      const clock = createClient(ClockServiceClient, cluster.addresses.get(id)!);
      for (let index = 0; index < 5; index += 1) await unaryCall(clock, 'localEvent', { label: `while away ${index}` });
      clock.close();
    }
    view = await startLiveView({ seedPeer: cluster.addresses.get(1)!, clientSettings: {}, port });
    const restarted = view;
    await until(page, 'the page back on the new bridge, caught up with it', async () => {
      const seen = restarted.system.eventsSeen;
      return (
        ((await page.locator('#connection').textContent()) ?? '').includes('● connected') &&
        seen > 0 &&
        (await drawnUpTo()) === seen
      );
    });
    // The diagram holds each event once, and the newest the new bridge has.
    const keys = await page.evaluate(() =>
      (
        window as unknown as {
          distlabLive: { model: { events: Array<{ peer: number; incarnation: number; sequence: number }> } };
        }
      ).distlabLive.model.events.map((event) => `${event.peer}/${event.incarnation}/${event.sequence}`),
    );
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(keys.length);
    await context.close();
  },
  180_000,
);
