import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  checkLeaderAgreement,
  checkLogicalClocks,
  checkMutualExclusion,
  formatCheck,
  readEventLogs,
  type CheckResult,
  type TraceEvent,
} from '@distlab/trace';
import { action } from '../context';

/**
 * `distlab check`: the invariant checkers over event logs written by any implementation, in any language — the
 * reference peers, a student's program, a Python script — as long as it writes the event-line format
 * (docs/event-log-format.md). Each invariant with something to judge prints PASS or FAIL; the exit code is 1 if any
 * failed, so a test or CI job can use it.
 */
export function checkCommand(program: Command): void {
  program
    .command('check')
    .description("check a run's invariants from its event logs (peer-<id>.jsonl, any implementation)")
    .option('--events-dir <dir>', 'the directory of peer-<id>.jsonl files', '.distlab/events')
    .addHelpText(
      'after',
      `
Checks: Lamport and vector clocks against happened-before (always); mutual exclusion (when the logs hold
cs-enter events of ricart-agrawala); leader agreement (when they hold leader-changed events).`,
    )
    .action(
      action(async (options: { eventsDir: string }) => {
        const dir = resolve(options.eventsDir);
        if (!existsSync(dir)) throw new Error(`${options.eventsDir}: no such directory (give --events-dir)`);
        const events = readEventLogs(dir);
        if (events.length === 0)
          throw new Error(
            `${options.eventsDir}: no events (expected files named peer-<id>.jsonl, one JSON event a line)`,
          );
        const results = checksFor(events);
        const peers = new Set(events.map((event) => event.peer)).size;
        process.stdout.write(`${events.length} events from ${peers} peers in ${options.eventsDir}\n`);
        for (const result of results) process.stdout.write(`${formatCheck(result)}\n`);
        if (results.some((result) => !result.passed)) process.exitCode = 1;
      }),
    );
}

function checksFor(events: readonly TraceEvent[]): CheckResult[] {
  const results = [checkLogicalClocks(events)];
  const mutexEvents = events.filter((event) => event.algorithm === 'ricart-agrawala');
  if (mutexEvents.some((event) => event.kind === 'cs-enter')) results.push(checkMutualExclusion(mutexEvents));
  if (events.some((event) => event.kind === 'leader-changed')) results.push(checkLeaderAgreement(events));
  return results;
}
