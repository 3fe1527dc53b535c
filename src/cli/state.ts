import type { RecordSummary } from '../state/record';
import type { Command } from './command';
import { EXIT } from './errors';
import { formatCount, table, time } from './format';
import { openRecord, recordReadError } from './record';
import { readConfig } from './session';

/** The record's counts as lines: a table per source and language, then media and the last full sync. */
export function stateLines(summary: RecordSummary, where: string): string[] {
  const lines = [`Record of what was sent to Occtoo (${where})`, ''];
  if (summary.sources.length === 0) {
    lines.push(
      'Empty: nothing was recorded yet. The next full sync sends everything and rebuilds it',
      '(it cannot clear values it never recorded).',
    );
  } else {
    const sorted = [...summary.sources].sort(
      (a, b) => a.source.localeCompare(b.source) || a.language.localeCompare(b.language),
    );
    lines.push(
      ...table([
        ['source', 'language', 'kind', 'entities'],
        ...sorted.map((s) => [s.source, s.language, s.kind, formatCount(s.entities)]),
      ]),
    );
  }
  lines.push('', `Uploaded media files: ${formatCount(summary.uploadedMedia)}`);
  const full = summary.lastCompleteFullSync;
  lines.push(
    full
      ? `Last complete full sync: run ${full.runId}, completed ${time(new Date(full.completedAt))}`
      : 'Last complete full sync: none recorded',
  );
  return lines;
}

export const stateCommand: Command = {
  name: 'state',
  synopsis: '',
  summary:
    'what the record of sent entities holds: entities per source and language, media, the last full sync',
  details: [
    'Reads the database of DATABASE_URL, or the embedded one of `npm start` when it is unset;',
    'needs no Temporal. Exit code 3 when the database cannot be reached.',
  ],
  options: {},
  positionals: { names: [], required: 0 },

  async run({ out }) {
    const config = readConfig();
    const opened = await openRecord(config);
    try {
      const summary = await opened.record.summary().catch((err: unknown) => {
        throw recordReadError(err, opened.where);
      });
      out.lines(stateLines(summary, opened.where));
      out.document({
        database: opened.where,
        empty: summary.sources.length === 0,
        ...summary,
        lastCompleteFullSync: summary.lastCompleteFullSync
          ? {
              ...summary.lastCompleteFullSync,
              completedAtIso: new Date(summary.lastCompleteFullSync.completedAt).toISOString(),
            }
          : null,
      });
      return EXIT.ok;
    } finally {
      await opened.close();
    }
  },
};
