// n! to decimal, GMP against distlab: gmpy2's fac and digits in one Python thread (what a user would pick instead),
// against ComputeStream through distlab's balancer to two factorial workers, received by a Python client that joins
// every chunk; every digit is compared with gmpy2's (untimed), and a wrong one fails the bench. Rounds alternate
// between the two sides; each row's figure is the median of the rounds, each round's the median of its repetitions.

import type { AnchorRow, AnchorSuite, Requirement, SuiteOptions } from '../anchor-row';
import { DEBIAN_PYTHON } from '../requirements';
import { alternateRounds, describeRounds, formatDuration, formatRatio, median } from '../rounds';
import { startDistlabFactorialSystem } from './gmp-factorial/distlab-factorial-system';
import { generatePythonStubs, timeFactorial, type FactorialSide } from './gmp-factorial/python-factorial-client';

interface FactorialRow {
  readonly n: number;
  readonly label: string;
  /** distlab ÷ GMP at or below which the goal is met. */
  readonly goalRatio: number;
  /** Repetitions per side per round: a 30 ms figure needs several to be more than noise. */
  readonly repeat: number;
}

const ROWS: readonly FactorialRow[] = [
  { n: 1_000_000, label: '10⁶', goalRatio: 0.8, repeat: 1 },
  { n: 100_000, label: '10⁵', goalRatio: 1.2, repeat: 7 },
];

const ANCHOR = 'GMP in-process (gmpy2 fac + digits, one thread)';
const workOf = (row: FactorialRow) =>
  `n! to decimal, n = ${row.label}, streamed through the balancer (2 workers) to a Python client`;
const goalOf = (row: FactorialRow) => `≤ ${row.goalRatio.toFixed(1)}× GMP`;

const requirements: readonly Requirement[] = [
  { kind: 'python-module', python: DEBIAN_PYTHON, module: 'gmpy2', debianPackage: 'python3-gmpy2' },
  { kind: 'python-module', python: DEBIAN_PYTHON, module: 'grpc', debianPackage: 'python3-grpcio' },
  { kind: 'python-module', python: DEBIAN_PYTHON, module: 'google.protobuf', debianPackage: 'python3-protobuf' },
  { kind: 'binary', path: '/usr/bin/protoc', debianPackage: 'protobuf-compiler' },
  { kind: 'binary', path: '/usr/bin/grpc_python_plugin', debianPackage: 'protobuf-compiler-grpc' },
];

async function run(options: SuiteOptions): Promise<AnchorRow[]> {
  const stubs = await generatePythonStubs();
  try {
    const system = await startDistlabFactorialSystem();
    try {
      const gmp: FactorialSide = { kind: 'gmp' };
      const distlab: FactorialSide = { kind: 'distlab', balancerAddress: system.balancerAddress, stubs };
      const rows: AnchorRow[] = [];
      for (const row of ROWS) {
        // One unmeasured call per side first: the workers' threads load GMP and the page cache holds Python's modules.
        await timeFactorial(gmp, row.n, 1);
        await timeFactorial(distlab, row.n, 1);
        const figures = await alternateRounds(options.rounds, {
          anchor: () => timeFactorial(gmp, row.n, row.repeat),
          distlab: () => timeFactorial(distlab, row.n, row.repeat),
        });
        const ratio = median(figures.distlab) / median(figures.anchor);
        options.log(`gmp: n = ${row.label}: ${describeRounds(figures)}`);
        rows.push({
          work: workOf(row),
          anchor: ANCHOR,
          anchorFigure: formatDuration(median(figures.anchor)),
          distlabFigure: formatDuration(median(figures.distlab)),
          ratio: formatRatio(ratio),
          goal: goalOf(row),
          met: ratio <= row.goalRatio,
          detail: describeRounds(figures),
        });
      }
      return rows;
    } finally {
      await system.stop();
    }
  } finally {
    stubs.remove();
  }
}

/** The GMP rows of the table: n! to decimal for n = 10⁶ and 10⁵. */
export const gmpFactorialSuite: AnchorSuite = {
  name: 'gmp',
  rows: ROWS.map((row) => ({ work: workOf(row), anchor: ANCHOR, goal: goalOf(row) })),
  requirements,
  run,
};
