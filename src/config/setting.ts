import { z } from 'zod';

/**
 * What people need to know about one environment variable, kept on its schema field so that
 * error messages and docs/configuration.md (scripts/generate-config-docs.ts) read one place.
 */
export interface Setting {
  section: Section;
  /** What it does, one or two sentences of Markdown. */
  description: string;
  /** The counterpart in Occtoo's original C# provider (or why there is none), Markdown. */
  provider?: string;
  /** A valid value, shown in error messages (`example: NAME=value`) and the docs. */
  example?: string;
  /** The default as written in `.env`; a test checks it parses to the schema's own default. */
  default?: string;
  /** For a setting without a default: what leaving it unset means (Markdown). */
  whenUnset?: string;
}

/** Headings of docs/configuration.md, in order. */
export const SECTIONS = [
  'Bluestone',
  'Occtoo',
  'Mapping',
  'Sync filters',
  'Sync',
  'Gateway and webhooks',
  'Temporal',
  'Database',
  'Logging',
  'Traces',
] as const;
export type Section = (typeof SECTIONS)[number];

export const settings = z.registry<Setting>();

/** A field of the environment schema with its documentation attached (to a copy: fields share parsers). */
export function setting<T extends z.ZodType>(schema: T, about: Setting): T {
  const field = schema.clone();
  settings.add(field, about);
  return field;
}
