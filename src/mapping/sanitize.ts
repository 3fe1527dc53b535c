import { createHash } from 'node:crypto';
import { OCCTOO_ID_PATTERN } from '../occtoo/types';

/**
 * Occtoo accepts keys and property ids of 1-256 characters from [A-Za-z0-9_-] and rejects a
 * whole batch for one bad id (occtoo-ingest.md §4). Bluestone ids and numbers have no such
 * rule, so every key and id we send goes through `sanitizeId` (docs/mapping.md, "Sanitizing").
 */

export const MAX_ID_LENGTH = 256;
/** Hex digits of sha256 appended to an id that had to change. */
export const SHORT_HASH_LENGTH = 8;

/** Letters that Unicode decomposition does not reduce to ASCII. */
const LATIN_EXTRAS: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};

export function isValidId(value: string): boolean {
  return OCCTOO_ID_PATTERN.test(value);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `body` cut to fit, then `-` and the first `hashLength` hex digits of sha256(`source`). */
export function withHashSuffix(body: string, source: string, hashLength: number): string {
  const suffix = `-${sha256Hex(source).slice(0, hashLength)}`;
  return body.slice(0, MAX_ID_LENGTH - suffix.length) + suffix;
}

/** Readable ASCII approximation: ö → o, ß → ss; anything else outside [A-Za-z0-9_-] → `_`. */
export function asciiBody(raw: string): string {
  const latin = Array.from(raw, (ch) => LATIN_EXTRAS[ch] ?? ch).join('');
  return latin
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_-]/gu, '_');
}

/**
 * The one sanitizing rule: a valid id is returned unchanged; any other string (too long,
 * empty, or with other characters) becomes its ASCII body plus `-` and 8 hex of sha256 of
 * the ORIGINAL, so that `a.b` and `a/b` stay apart. Idempotent: the output is always valid.
 */
export function sanitizeId(raw: string): string {
  if (isValidId(raw)) return raw;
  return withHashSuffix(asciiBody(raw), raw, SHORT_HASH_LENGTH);
}

/** An entity key (product id or number, category id, media asset id). */
export function sanitizeKey(raw: string): string {
  return sanitizeId(raw);
}

/** A property id (attribute number, relation number). */
export function sanitizePropertyId(raw: string): string {
  return sanitizeId(raw);
}
