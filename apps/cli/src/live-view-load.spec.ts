/// <reference lib="dom" />
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePortRange, type SpawnedProcess, spawnDistlab } from '@distlab/testing';
import { readEventLogs } from '@distlab/trace';

// The live view keeps up: `distlab up --ui` with five peers, the page open in headless Chromium, and three runs of
// `distlab demo ricart-agrawala` (each 15 critical sections, contended, with their Requests and Replies, over the
// peers' steady election heartbeats). Afterwards the page reads every event of the peers' own log files from the
// bridge, with the same stamps, each peer life's sequence without a gap or a repeat (no event was dropped), and its
// diagram has caught up with all of them. The page then runs the demo itself (PASS, with the checkers' words) and
// kills a peer through the supervisor.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const WAIT_MS = 90_000;
let system: SpawnedProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  if (system !== undefined) {
    system.child.kill('SIGTERM');
    await Promise.race([system.exited(), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
    await system.stop();
  }
});

interface PageEvent {
  peer: number;
  incarnation: number;
  sequence: number;
  lamport: number;
  vector: string;
  label: string;
}

const browserTest = haveChromium ? it : it.skip;
browserTest(
  `the page reads every event of a Ricart–Agrawala load, none dropped, and its diagram catches up${haveChromium ? '' : ` (skipped: no ${CHROMIUM}; .ci/run installs Debian's chromium)`}`,
  async () => {
    const base = await freePortRange(40);
    const dir = mkdtempSync(join(tmpdir(), 'distlab-live-load-'));
    const eventsDir = join(dir, 'events');
    system = spawnDistlab([
      ...['up', '--peers', '5', '--workers', '1', '--base-port', String(base), '--ui', '--ui-port', '0'],
      ...['--data-dir', join(dir, 'inventory'), '--events-dir', eventsDir, '--state-dir', join(dir, 'state')],
    ]);
    const url = (await system.waitForLine((line) => line.startsWith('live view: '), WAIT_MS)).slice(
      'live view: '.length,
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
        ...['--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.locator('#peers tr[data-peer="5"]').waitFor({ timeout: WAIT_MS });

    for (let run = 0; run < 3; run += 1) {
      const demo = spawnDistlab(['demo', 'ricart-agrawala', '--base-port', String(base)]);
      demo.child.stdin!.end();
      expect(await demo.exited()).toBe(0);
      expect(demo.lines).toContain('PASS: demo ricart-agrawala');
    }

    // Every event the logs hold now must reach the page (events logged later may still be on their way).
    const logged = readEventLogs(eventsDir);
    expect(logged.filter((event) => event.algorithm === 'ricart-agrawala').length).toBeGreaterThan(3 * 15 * 8);
    const keyOf = (event: { peer: number; incarnation: number; sequence: number }) =>
      `${event.peer}/${event.incarnation}/${event.sequence}`;
    // The page draws the newest events, and reads any of them from the bridge as the lines the peers sent.
    const received = async () =>
      (
        await page.evaluate(() =>
          (window as unknown as { distlabLive: { lines(): Promise<string[]> } }).distlabLive.lines(),
        )
      ).map((line) => JSON.parse(line) as PageEvent);
    let onPage = new Map<string, PageEvent>();
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      onPage = new Map((await received()).map((event) => [keyOf(event), event]));
      if (logged.every((event) => onPage.has(keyOf(event)))) break;
      await page.waitForTimeout(250);
    }
    const missing = logged.filter((event) => !onPage.has(keyOf(event)));
    expect(missing.map(keyOf).slice(0, 10)).toEqual([]);
    for (const event of logged) {
      const shown = onPage.get(keyOf(event))!;
      expect({ lamport: shown.lamport, vector: shown.vector, label: shown.label }).toEqual({
        lamport: event.lamport,
        vector: [...event.vector].map(([peer, count]) => `${peer}:${count}`).join(','),
        label: event.label,
      });
    }
    // Each life's events on the page run 1, 2, 3, … with no gap and no repeat.
    const all = await received();
    expect(new Set(all.map(keyOf)).size).toBe(all.length);
    // And the diagram caught up with them: the page has taken every one of them into account.
    const drawnUpTo = () =>
      page.evaluate(() => (window as unknown as { distlabLive: { count: number } }).distlabLive.count);
    for (const drawnBy = Date.now() + WAIT_MS; (await drawnUpTo()) < all.length && Date.now() < drawnBy;)
      await page.waitForTimeout(250);
    expect(await drawnUpTo()).toBeGreaterThanOrEqual(all.length);
    expect(Number(await page.locator('#event-count').getAttribute('data-count'))).toBeGreaterThanOrEqual(all.length);
    const lives = new Map<string, number[]>();
    for (const event of all)
      lives.set(`${event.peer}/${event.incarnation}`, [
        ...(lives.get(`${event.peer}/${event.incarnation}`) ?? []),
        event.sequence,
      ]);
    for (const sequences of lives.values()) expect(sequences).toEqual(sequences.map((_, index) => index + 1));
    expect(lives.size).toBe(5);

    // The same page runs a demo and shows its verdict in the checkers' words, and kills a peer through the supervisor,
    // which brings it back as its next life.
    await page.getByRole('combobox', { name: 'demo' }).selectOption('ricart-agrawala');
    await page.getByRole('button', { name: 'Run demo' }).click();
    await page.locator('#result', { hasText: 'PASS: demo ricart-agrawala' }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator('#result').textContent()).toContain(
      'PASS mutual exclusion: 15 critical sections by 5 peers',
    );
    await page.getByRole('combobox', { name: 'process' }).selectOption('peer-3');
    await page.getByRole('button', { name: 'Kill -9' }).click();
    await page.locator('#peers tr[data-peer="3"] td', { hasText: 'peer-3 (life 2)' }).waitFor({ timeout: WAIT_MS });
    await page.locator('#peers tr[data-peer="3"] td', { hasText: 'SERVING' }).waitFor({ timeout: WAIT_MS });
  },
  300_000,
);
