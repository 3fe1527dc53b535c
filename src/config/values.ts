import { z } from 'zod';
import { PRODUCT_TYPES, type ProductType } from '../bluestone/types';
import { OCCTOO_LANGUAGE_PATTERN } from '../occtoo/types';

/** How the environment's strings become typed values: one zod schema per kind of setting. */

/** `bluestoneContext:occtooLanguage`, e.g. `en:en` or `l3471:sv`. */
export interface ContextMapping {
  context: string;
  language: string;
}

export const MEDIA_MODES = ['ignore', 'bluestone', 'occtoo'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];

export const PRODUCT_KEY_MODES = ['id', 'number'] as const;
export type ProductKeyMode = (typeof PRODUCT_KEY_MODES)[number];

/** SYNC_ATTRIBUTES_INCLUDE / _EXCLUDE: attribute numbers and `group:<groupNumber>` items, split. */
export interface AttributeSelection {
  /** Attribute numbers (an attribute without a number is matched by its id). */
  numbers: string[];
  /** Attribute group numbers, matched against each attribute's `groupNumber`. */
  groups: string[];
}

const CONTEXT_KEY = /^[A-Za-z0-9_.-]+$/;

function parseContextPair(raw: string): ContextMapping | string {
  const parts = raw.split(':').map((p) => p.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    return `"${raw}" is not of the form bluestoneContext:occtooLanguage`;
  }
  const [context, language] = parts;
  if (!CONTEXT_KEY.test(context))
    return `context "${context}" may only hold letters, digits, '.', '_' and '-'`;
  if (!OCCTOO_LANGUAGE_PATTERN.test(language)) {
    return `language "${language}" must be 2-10 characters of letters, digits, '_' or '-' (Occtoo's rule)`;
  }
  return { context, language };
}

/** The non-empty, trimmed items of a comma list. */
const listItems = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const contextPair = z.string().transform((raw, ctx) => {
  const parsed = parseContextPair(raw.trim());
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

export const contextList = z.string().transform((raw, ctx) => {
  const out: ContextMapping[] = [];
  for (const item of listItems(raw)) {
    const parsed = parseContextPair(item);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    else out.push(parsed);
  }
  return out;
});

export const nameList = z.string().transform(listItems);

/** `SINGLE,GROUP`: Bluestone product types, in any case; a typo is named in the error. */
export const productTypeList = z.string().transform((raw, ctx) => {
  const out = new Set<ProductType>();
  for (const item of listItems(raw)) {
    const type = PRODUCT_TYPES.find((t) => t === item.toUpperCase());
    if (type) out.add(type);
    else {
      ctx.addIssue({
        code: 'custom',
        message: `"${item}" is not a Bluestone product type; use ${PRODUCT_TYPES.join(', ')}`,
      });
    }
  }
  if (listItems(raw).length === 0)
    ctx.addIssue({ code: 'custom', message: `must list at least one of ${PRODUCT_TYPES.join(', ')}` });
  return [...out];
});

const GROUP_PREFIX = 'group:';

/** `weight,group:logistics`: attribute numbers and attribute groups (by group number). */
export const attributeSelection = z.string().transform((raw, ctx): AttributeSelection => {
  const selection: AttributeSelection = { numbers: [], groups: [] };
  for (const item of listItems(raw)) {
    const group = item.startsWith(GROUP_PREFIX) ? item.slice(GROUP_PREFIX.length).trim() : undefined;
    if (group === undefined) selection.numbers.push(item);
    else if (group !== '') selection.groups.push(group);
    else ctx.addIssue({ code: 'custom', message: `"${item}" names no group; write group:<groupNumber>` });
  }
  return selection;
});

export const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A whole number from `min` to `max`, with one message for every way of missing it. */
const wholeNumber = (min: number, max: number, error: string) =>
  z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });

export const port = wholeNumber(1, 65535, 'must be a port number from 1 to 65535');
export const readAhead = wholeNumber(0, 4, 'must be a whole number from 0 to 4');
export const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
/** Any non-empty text (surrounding blanks removed). */
export const text = z.string().trim().min(1);

/** The shortest secret the service accepts for the secrets it defines (webhook secret, admin token). */
export const MIN_SECRET_LENGTH = 16;

/** A secret someone could otherwise guess: at least MIN_SECRET_LENGTH characters. The message never shows it. */
export const ownSecret = text.refine((value) => value.length >= MIN_SECRET_LENGTH, {
  error: `is too short: use at least ${MIN_SECRET_LENGTH} random characters, e.g. from \`openssl rand -base64 24\``,
});
export const dataSource = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,256}$/, "may only hold letters, digits, '_' and '-'");
export const positiveInt = z.coerce.number().int().positive();
