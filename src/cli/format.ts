import type { FullSyncProgress, SetAsideEntity } from '../shared/sync-types';

/** Text layout shared by the commands. */

/** A count as people read it: 12,345 (an absent count reads as 0). */
export const formatCount = (n: number | undefined) => (n ?? 0).toLocaleString('en-US');

/** Columns padded to their widest cell; numbers (after the first column) right-aligned. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) =>
          i > 0 && /^[\d,]+$/.test(cell) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]),
        )
        .join('  ')
        .trimEnd(),
  );
}

export function setAsideLines(entries: readonly SetAsideEntity[], total: number, indent = '  '): string[] {
  if (total === 0) return [];
  const more = total > entries.length ? ` (the first ${entries.length} listed)` : '';
  return [
    `Set aside: ${formatCount(total)}${more}`,
    ...entries.map((s) => `${indent}${s.source} ${s.id}${s.context ? ` (${s.context})` : ''}: ${s.reason}`),
  ];
}

/** A full sync's counts per context and source, then what was set aside. */
export function fullSyncSummary(progress: FullSyncProgress): string[] {
  const rows: string[][] = [
    ['context', 'source', 'read', 'sent', 'unchanged', 'filtered', 'set aside', 'media uploaded'],
  ];
  for (const c of progress.contexts) {
    for (const source of ['categories', 'products'] as const) {
      const s = c[source];
      if (s.done && s.read === 0 && s.pages === 0) continue; // not part of this sync
      rows.push([
        `${c.context} (${c.language})`,
        source,
        formatCount(s.read),
        formatCount(s.sent),
        formatCount(s.unchanged),
        formatCount(s.filtered),
        formatCount(s.setAside),
        formatCount(s.mediaUploaded),
      ]);
    }
  }
  return [...table(rows), ...setAsideLines(progress.setAside, progress.setAsideCount)];
}

export function time(iso: string | Date | undefined): string {
  if (!iso) return '-';
  return (typeof iso === 'string' ? iso : iso.toISOString()).replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
