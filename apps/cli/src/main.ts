import { describeFailure } from './context';
import { buildProgram } from './program';

// bin/distlab.js starts this process with an IPC channel to itself for one reason: if the launcher dies, however it
// died (kill -9 included), the channel closes and this process is told to stop (SIGTERM, so `distlab up` stops its
// children cleanly) instead of living on as an orphan, holding a lock session or a chat room. The channel is unref'd:
// it must not keep a finished command alive.
if (process.channel !== undefined) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

// `distlab registry list | head -3` closes the pipe early: that ends the command quietly, as it does any Unix tool.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Actions report their own failures (context.ts's `action`); what reaches here failed while the command line was
// read, such as an argument parser that threw: a usage error, said in one line and never as a stack.
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`error: ${describeFailure(error).message}\n`);
    process.exit(2);
  });
