// The comparison table, for a terminal and as Markdown for docs/benchmarks.md.

import { formatTable } from '@distlab/testing';
import type { AnchorRow, SkippedRow } from './anchor-row';

export type ReportRow = AnchorRow | SkippedRow;

const HEADER = ['work', 'anchor', 'anchor figure', 'distlab', 'ratio', 'goal', 'met'] as const;

function cells(row: ReportRow): string[] {
  if ('skippedBecause' in row) return [row.work, row.anchor, '—', '—', '—', row.goal, `skipped: ${row.skippedBecause}`];
  return [row.work, row.anchor, row.anchorFigure, row.distlabFigure, row.ratio, row.goal, row.met ? 'yes' : 'NO'];
}

/** A plain-text table with a line of per-round detail under it for each row that has one. */
export function formatReport(rows: readonly ReportRow[]): string {
  const table = formatTable(HEADER, rows.map(cells));
  const details = rows
    .filter((row): row is AnchorRow => 'detail' in row && row.detail !== undefined)
    .map((row) => `  ${row.work}: ${row.detail}`);
  return details.length === 0 ? table : `${table}\n\n${details.join('\n')}`;
}

/** The same table in Markdown. */
export function formatMarkdown(rows: readonly ReportRow[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const lines = [
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`),
  ];
  return lines.join('\n');
}
