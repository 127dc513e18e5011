import { freePort } from '@distlab/testing';
import type { EndpointHealth } from './endpoint';
import { watchHealth } from './health-watcher';

// A backend nobody serves is tried less and less often, up to once a second: a client can register addresses that
// nobody serves, and each is watched. The claim is an upper bound on attempts within a window, so a slow machine can
// only make fewer attempts, never more.

const RETRY_MS = 50;
const WINDOW_MS = 2500;

describe('watchHealth on an address nobody serves', () => {
  it('waits longer after each unanswered attempt instead of retrying every retryMs', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const reports: EndpointHealth[] = [];
    const watch = watchHealth(address, 'svc', (health) => reports.push(health), { retryMs: RETRY_MS });
    try {
      for (const deadline = Date.now() + 10_000; reports.length === 0 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    } finally {
      watch.stop();
    }
    expect(reports.length).toBeGreaterThan(0);
    expect(new Set(reports)).toEqual(new Set(['unreachable']));
    // Retrying every 50 ms would be about 50 attempts in the window; doubling from 50 ms up to 1 s is at most 8.
    expect(reports.length).toBeLessThanOrEqual(10);
  }, 30_000);
});
