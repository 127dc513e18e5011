/** The verdict of one invariant checker on a run's event logs. */
export interface CheckResult {
  name: string;
  passed: boolean;
  /** One sentence of what was checked and found. */
  summary: string;
  /** What broke, one line each (empty when passed). */
  violations: string[];
}

/** "PASS name: summary" or "FAIL name: summary" with the first violations. */
export function formatCheck(result: CheckResult, maxViolations = 5): string {
  const head = `${result.passed ? 'PASS' : 'FAIL'} ${result.name}: ${result.summary}`;
  const shown = result.violations.slice(0, maxViolations).map((violation) => `       ${violation}`);
  const more =
    result.violations.length > maxViolations ? [`       … and ${result.violations.length - maxViolations} more`] : [];
  return [head, ...shown, ...more].join('\n');
}
