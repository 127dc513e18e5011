import { createInterface } from 'node:readline';

/**
 * The agent's side of AgentProbe (netns-probe.ts): reads one JSON request a line on stdin, has `perform` make the call,
 * and answers each on stdout with the request's id, as its result or as the gRPC code and details it failed with.
 * Exits when stdin closes (the test ended, however abruptly).
 */
export function serveProbeRequests<Request>(perform: (request: Request, deadlineMs: number) => Promise<unknown>): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const { id, deadlineMs, ...request } = JSON.parse(line) as { id: number; deadlineMs: number };
    perform(request as Request, deadlineMs).then(
      (result) => process.stdout.write(`${JSON.stringify({ id, ok: true, result })}\n`),
      (error: unknown) => {
        const failed = error as { code?: unknown; details?: unknown };
        const code = typeof failed.code === 'number' ? failed.code : -1;
        const details = typeof failed.details === 'string' ? failed.details : String(error);
        process.stdout.write(`${JSON.stringify({ id, ok: false, code, details })}\n`);
      },
    );
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdout.write('{"ready":true}\n');
}
