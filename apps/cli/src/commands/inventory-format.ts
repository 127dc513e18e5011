import type { Item } from '@distlab/contracts/inventory/v1/inventory';
import { paint } from '../context';

const COLUMNS = ['ID', 'NAME', 'QUANTITY', 'VERSION', 'UPDATED'] as const;

/** Items as an aligned text table, one row per item. */
export function itemTable(items: readonly Item[]): string {
  const rows = items.map((item) => [
    item.id,
    item.name,
    item.quantity,
    item.version,
    item.updateTime?.toISOString().replace('T', ' ').slice(0, 19) ?? '',
  ]);
  const widths = COLUMNS.map((title, column) => Math.max(title.length, ...rows.map((row) => [...row[column]].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 2 || column === 3 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd();
  return [paint('bold', line(COLUMNS)), ...rows.map(line)].join('\n');
}
