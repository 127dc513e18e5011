// A real server process for the kit's shutdown test: the greeter fixture behind runServerProcess, so that SIGTERM,
// health and draining are exercised exactly as in an app.
import { runServerProcess, startServer } from '../index';
import { greeterFixture } from './greeter-fixture';

void runServerProcess({
  name: 'slow-server',
  description: 'test fixture',
  defaultPort: 0,
  start: ({ config, logger }) =>
    startServer({ host: config.host, port: config.port, logger, services: [greeterFixture(logger)] }).then((server) => {
      // The parent test reads the port from this line.
      process.stdout.write(`${JSON.stringify({ listening: server.port })}\n`);
      return server;
    }),
});
