import { request } from 'node:http';
import { startLiveView, type LiveView } from './index';

// The bridge's edge, with no system behind it (the seed peer does not answer, which the view survives): it serves the
// page, refuses requests to other host names, needs the token when it has one, takes controls only as JSON, maps bad
// input to 400 and unknown things to 404, and will not listen beyond loopback unless told.

/** One HTTP request to the view; resolves with the status, the headers and the body. */
function call(
  view: LiveView,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: view.port, path, method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };
const nobody = { seedPeer: '127.0.0.1:1', clientSettings: { deadlineMs: 200 } };

describe('the live view bridge', () => {
  let view: LiveView;
  afterEach(async () => view?.stop());

  it('serves the page and its script, and answers a control with bad input with 400 and the reason', async () => {
    view = await startLiveView(nobody);
    expect(view.url).toBe(`http://127.0.0.1:${view.port}/`);
    const page = await call(view, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<svg id="diagram"');
    const script = await call(view, '/app.js');
    expect(script.status).toBe(200);
    expect(script.body).toContain('drawDiagram');
    const bad = await call(view, '/api/control/pause', { method: 'POST', headers: json, body: '{"peer":"x"}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      ok: false,
      code: 'INVALID_ARGUMENT',
      lines: ['INVALID_ARGUMENT: a peer id is a positive integer'],
    });
    const unknownPeer = await call(view, '/api/control/pause', { method: 'POST', headers: json, body: '{"peer":7}' });
    expect(unknownPeer.status).toBe(404);
    expect(JSON.parse(unknownPeer.body).lines[0]).toContain('peer-7 is not a member');
    const unknownControl = await call(view, '/api/control/format-disk', { method: 'POST', headers: json, body: '{}' });
    expect(unknownControl.status).toBe(404);
    const kill = await call(view, '/api/control/kill', { method: 'POST', headers: json, body: '{"name":"peer-1"}' });
    expect(kill.status).toBe(409);
    expect(JSON.parse(kill.body).lines[0]).toContain('distlab up --ui');
  });

  it('takes controls only as JSON, and answers only requests to a loopback name', async () => {
    view = await startLiveView(nobody);
    const form = await call(view, '/api/control/heal', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(form.status).toBe(400);
    const rebound = await call(view, '/api/view', { headers: { host: `attacker.example:${view.port}` } });
    expect(rebound.status).toBe(403);
    expect((await call(view, '/api/view', { headers: { host: `localhost:${view.port}` } })).status).toBe(200);
  });

  it('needs the token when it has one: ?token= once, then the cookie it set, or a bearer header', async () => {
    view = await startLiveView({ ...nobody, token: 's3cret' });
    expect(view.url).toBe(`http://127.0.0.1:${view.port}/?token=s3cret`);
    expect((await call(view, '/')).status).toBe(401);
    expect((await call(view, '/?token=wrong')).status).toBe(401);
    const opened = await call(view, '/?token=s3cret');
    expect(opened.status).toBe(303);
    const cookie = String((opened.headers['set-cookie'] as string[])[0]).split(';')[0];
    expect(cookie).not.toContain('s3cret');
    expect((await call(view, '/api/view', { headers: { cookie } })).status).toBe(200);
    expect((await call(view, '/api/view', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
  });

  it('refuses to listen beyond loopback unless told', async () => {
    await expect(startLiveView({ ...nobody, host: '0.0.0.0' })).rejects.toThrow(/loopback only.*--ui-allow-remote/);
  });
});
