import { freePortRange, type SpawnedProcess, spawnDistlab } from '@distlab/testing';

// `distlab ui` on its own: with nothing running yet it says so and what to do, prints where the view listens, and
// serves the page, its script and its demos there (loopback only); it stops on SIGTERM. The CLI's end-to-end tests
// run the command as users do (bin/distlab.js and its bundle): the live view's page was once found from its sources
// and never from the bundle.

let ui: SpawnedProcess | undefined;
afterEach(async () => ui?.stop());

it('says nothing answers yet, prints the view address, and serves the page, its script and its demos there', async () => {
  const base = await freePortRange(40);
  ui = spawnDistlab(['ui', '--base-port', String(base)]);
  const line = await ui.waitForLine((printed) => printed.startsWith('live view: '), 60_000);
  expect(line).toBe(`live view: http://127.0.0.1:${base + 30}/`);
  expect(ui.stderr).toContain(`nothing answers at 127.0.0.1:${base + 11} yet; start the system (npx distlab up)`);
  const page = await fetch(`http://127.0.0.1:${base + 30}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>distlab live</title>');
  const script = await fetch(`http://127.0.0.1:${base + 30}/app.js`);
  expect(script.status).toBe(200);
  // The bundled page: its entry point's own code is in it.
  expect(await script.text()).toContain('distlabLive');
  // A demo from the page runs the command again (nothing runs here, so the demo starts a system of its own).
  const demo = await fetch(`http://127.0.0.1:${base + 30}/api/control/demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'lamport' }),
  });
  expect(await demo.json()).toMatchObject({ ok: true, lines: expect.arrayContaining(['PASS: demo lamport']) });
  ui.child.kill('SIGTERM');
  expect(await ui.exited()).toBe(0);
}, 90_000);

it('refuses to listen beyond loopback unless told, saying how', async () => {
  ui = spawnDistlab(['ui', '--ui-host', '0.0.0.0', '--ui-port', '0']);
  ui.child.stdin!.end();
  expect(await ui.exited()).toBe(1);
  expect(ui.stderr).toContain('listens on loopback only; to listen on 0.0.0.0, say so (--ui-allow-remote)');
}, 90_000);
