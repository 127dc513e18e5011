// What every anchor suite returns: one row per line of the comparison table, with both figures, their ratio and
// whether the row's goal is met. A figure is a median over rounds that alternate between the anchor and distlab in
// the same run, so the machine's speed swings (twofold between minutes here) move both sides alike.

/** One line of the comparison table. */
export interface AnchorRow {
  /** What is measured, the same words for both sides ("Compute(10) through a proxy, h2load -c1 -m64"). */
  readonly work: string;
  /** What a user would pick instead ("nginx 1.22 grpc_pass"), or "—" where the row has no anchor. */
  readonly anchor: string;
  /** The anchor's median, already formatted with its unit ("5.12k calls/s"), or "—". */
  readonly anchorFigure: string;
  /** distlab's median, formatted with its unit. */
  readonly distlabFigure: string;
  /** distlab ÷ anchor (or the row's own figure of merit where there is no anchor), formatted ("0.94×"). */
  readonly ratio: string;
  /** The goal in words ("≥ 1.0× nginx"). */
  readonly goal: string;
  /** Whether this run met the goal. */
  readonly met: boolean;
  /** Per-round figures or other detail worth a line under the table. */
  readonly detail?: string;
}

/** A row that could not be measured, with the reason (a missing anchor and how to install it). */
export interface SkippedRow {
  readonly work: string;
  readonly anchor: string;
  readonly goal: string;
  readonly skippedBecause: string;
}

/** The figures of both sides, one per round, in the order the rounds ran. */
export interface RoundFigures {
  readonly anchor: number[];
  readonly distlab: number[];
}

/** Options every suite receives from the runner. */
export interface SuiteOptions {
  /** Rounds per row: each round measures the anchor and distlab once, in alternating order. */
  readonly rounds: number;
  /** How long one side of one round drives load, for the throughput rows. */
  readonly durationMs: number;
  /** Progress for people (stderr); the table itself is printed by the runner. */
  readonly log: (line: string) => void;
}

/** An anchor and the distlab system it is compared with. */
export interface AnchorSuite {
  /** Short name for `--only` ("nginx", "xmlrpc", "etcd", "gmp", "rest"). */
  readonly name: string;
  /** The rows this suite prints, for the table when it is skipped. */
  readonly rows: ReadonlyArray<Pick<SkippedRow, 'work' | 'anchor' | 'goal'>>;
  /** What the anchor needs on this machine, checked before the suite runs. */
  readonly requirements: readonly Requirement[];
  /** Starts both systems, measures every row, and stops everything it started, also when it throws. */
  run(options: SuiteOptions): Promise<AnchorRow[]>;
}

/** A program or Python module an anchor needs, and the Debian package that brings it. */
export type Requirement =
  | { readonly kind: 'binary'; readonly path: string; readonly debianPackage: string }
  | {
      readonly kind: 'python-module';
      readonly python: string;
      readonly module: string;
      readonly debianPackage: string;
    };
