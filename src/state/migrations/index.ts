/**
 * The schema's numbered migrations, applied in order by src/state/migrate.ts. TS strings rather
 * than .sql files, so that `npm run build` carries them into dist/ with the code. Never edit one
 * that shipped: add the next number.
 */
import { sql as record } from './0001-record';
import { sql as reconciliation } from './0002-reconciliation';
import { sql as mediaReferences } from './0003-media-references';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'record', sql: record },
  { version: 2, name: 'reconciliation', sql: reconciliation },
  { version: 3, name: 'media references', sql: mediaReferences },
];
