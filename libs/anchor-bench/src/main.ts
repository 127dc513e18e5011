// distlab side by side with what users would pick instead, in one run: every suite starts its anchor and the distlab
// system it is compared with, measures them in alternating rounds and stops both; then one table prints every row
// with both medians, their ratio and whether the goal is met. A suite whose anchor is missing says how to install it.
//
//   npm run bench:anchors                          every suite, 3 rounds each
//   npm run bench:anchors -- --only nginx,etcd     some suites
//   npm run bench:anchors -- --runs 3 --markdown   three whole runs, then how often each goal was met, in Markdown

import { parseArgs } from 'node:util';
import type { AnchorRow } from './anchor-row';
import { formatMarkdown, formatReport, type ReportRow } from './report';
import { missingRequirement } from './requirements';
import { SUITES } from './suites';

const OPTIONS = {
  only: { type: 'string' },
  rounds: { type: 'string', default: '3' },
  'duration-ms': { type: 'string', default: process.env['BENCH_DURATION_MS'] ?? '3000' },
  runs: { type: 'string', default: '1' },
  markdown: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseOptions() {
  try {
    const parsed = parseArgs({ options: OPTIONS }).values;
    for (const name of ['rounds', 'duration-ms', 'runs'] as const) {
      if (!/^[1-9][0-9]*$/.test(parsed[name]))
        throw new Error(`--${name} takes a whole number above 0, not "${parsed[name]}"`);
    }
    return parsed;
  } catch (error) {
    process.stderr.write(`anchor bench: ${error instanceof Error ? error.message : String(error)}; see --help\n`);
    process.exit(2);
  }
}

const values = parseOptions();

const HELP = `Usage: npm run bench:anchors -- [options]

distlab side by side with nginx, etcd, GMP and the lab's XML-RPC inventory, in one run.

Options:
  --only <suites>       comma-separated: ${SUITES.map((suite) => suite.name).join(', ')} (default: all)
  --rounds <n>          rounds per row, alternating which side goes first (default: 3)
  --duration-ms <ms>    length of one timed round (default: 3000, or BENCH_DURATION_MS)
  --runs <n>            whole runs, then how often each goal was met (default: 1)
  --markdown            print the table in Markdown, as docs/benchmarks.md keeps it
  -h, --help            this page

Examples:
  npm run bench:anchors -- --only nginx --rounds 5
  npm run bench:anchors -- --runs 3 --rounds 3 --markdown
`;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runOnce(): Promise<ReportRow[]> {
  const wanted = values.only?.split(',').map((name) => name.trim());
  const unknown = wanted?.filter((name) => !SUITES.some((suite) => suite.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(`no suite named ${unknown.join(', ')}; the suites are ${SUITES.map((s) => s.name).join(', ')}`);
  }
  const rows: ReportRow[] = [];
  for (const suite of SUITES.filter((candidate) => wanted === undefined || wanted.includes(candidate.name))) {
    const missing = missingRequirement(suite.requirements);
    if (missing !== undefined) {
      log(`${suite.name}: skipped, ${missing}`);
      rows.push(...suite.rows.map((row) => ({ ...row, skippedBecause: missing })));
      continue;
    }
    log(`${suite.name}: measuring…`);
    rows.push(...(await suite.run({ rounds: Number(values.rounds), durationMs: Number(values['duration-ms']), log })));
  }
  return rows;
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const runs = Number(values.runs);
  const metCounts = new Map<string, number>();
  let last: ReportRow[] = [];
  for (let run = 1; run <= runs; run += 1) {
    last = await runOnce();
    if (runs > 1) log(`run ${run} of ${runs}:`);
    process.stdout.write(`${values.markdown ? formatMarkdown(last) : formatReport(last)}\n\n`);
    for (const row of last.filter((candidate): candidate is AnchorRow => 'met' in candidate)) {
      metCounts.set(row.work, (metCounts.get(row.work) ?? 0) + (row.met ? 1 : 0));
    }
  }
  if (runs > 1) {
    process.stdout.write(`goals met, of ${runs} runs:\n`);
    for (const [work, count] of metCounts) process.stdout.write(`  ${count}/${runs}  ${work}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`anchor bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
