import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { readEventLogs, renderShiviz, renderTraceHtml, type TraceEvent } from '@distlab/trace';
import { action, CliContext } from '../context';
import { DemoRun } from '../demos/demo-kit';
import { systemAddresses } from './peer-clients';

/**
 * `distlab trace`: a run's space-time diagram as one self-contained HTML file, from the peers' event-log files or live
 * from the running peers (ListEvents); `--shiviz` writes the same run for ShiViz.
 */
export function traceCommand(program: Command): void {
  program
    .command('trace')
    .description("write a run's space-time diagram (HTML) or its ShiViz log, from the event logs")
    .option('--events-dir <dir>', "read the peers' event-log files from here", '.distlab/events')
    .option('--live', 'read the running peers instead (their current lives), through ListEvents')
    .option('--algorithm <name>', 'only events of this algorithm')
    .option('--out <file.html>', 'the diagram', 'trace.html')
    .option('--shiviz <file.log>', 'also write the run for ShiViz')
    .option('--title <text>', "the page's title", 'distlab run')
    .action(
      action(
        async (
          options: {
            eventsDir: string;
            live?: boolean;
            algorithm?: string;
            out: string;
            shiviz?: string;
            title: string;
          },
          command: Command,
        ) => {
          let events: TraceEvent[];
          if (options.live) {
            const run = await DemoRun.begin(command, await systemAddresses(CliContext.of(command), 1));
            events = await run.events(true);
            run.finish('trace', false);
          } else {
            events = readEventLogs(resolve(options.eventsDir));
          }
          if (options.algorithm !== undefined) events = events.filter((event) => event.algorithm === options.algorithm);
          writeFileSync(options.out, renderTraceHtml(events, options.title));
          process.stdout.write(`${events.length} events → ${options.out}\n`);
          if (options.shiviz !== undefined) {
            writeFileSync(options.shiviz, renderShiviz(events));
            process.stdout.write(`ShiViz log → ${options.shiviz}\n`);
          }
        },
      ),
    );
}
