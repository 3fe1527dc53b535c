import { z } from 'zod';
import type { WebhookChange, WebhookEnvelope } from '../bluestone/types';

/**
 * Bluestone's webhook envelope (bluestone-papi.md §11.2–§11.3), read tolerantly: unknown fields
 * and unknown event types pass (and are ignored later); only what we act on is required.
 *
 * - `timestamp`: epoch milliseconds, as a number or a string of digits (some JSON writers send
 *   64-bit numbers as strings). Required: archive workflow ids are derived from it.
 * - `events[].changes.eventType`: a non-empty string.
 * - `PRODUCT_SYNC_DONE` needs `syncDoneData.value` (the sync id) and `syncDoneData.context`.
 * - `PRODUCT_WATCH_STATE` needs `stateChange.newValue`; when that is an archive state, also a
 *   non-empty `entityIds` (the products to delete).
 * - `null` counts as missing, as Bluestone's Java serializer may write it.
 */

export const SYNC_DONE = 'PRODUCT_SYNC_DONE';
export const WATCH_STATE = 'PRODUCT_WATCH_STATE';

/** Event types named in bluestone-papi.md §11.3; families with a `*` there are matched by prefix. */
export const KNOWN_EVENT_TYPES: readonly string[] = [
  SYNC_DONE,
  WATCH_STATE,
  'PRODUCT_CREATED',
  'PRODUCT_WATCH_METADATA_NAME',
  'PRODUCT_WATCH_METADATA_NUMBER',
  'PRODUCT_WATCH_METADATA_DESCRIPTION',
  'PRODUCT_WATCH_ASSET',
  'PRODUCT_WATCH_BUNDLE',
  'PRODUCT_WATCH_BUNDLE_QUANTITY',
  'PRODUCT_WATCH_CATEGORY',
  'PRODUCT_WATCH_LABEL',
  'PRODUCT_WATCH_RELATION',
  'PRODUCT_WATCH_VARIANT',
  'PRODUCT_WATCH_ATTRIBUTE_UPDATE_VALUE',
  'PRODUCT_WATCH_ATTRIBUTE_ASSOCIATION',
  'PRODUCT_WATCH_ATTRIBUTE_DISASSOCIATION',
  'CATEGORY_CREATED',
  'CATEGORY_REMOVED',
  'CATEGORY_WATCH_MOVE',
  'CATEGORY_WATCH_ORDER',
  'CATEGORY_WATCH_ARCHIVE_STATE',
  'CATEGORY_WATCH_ASSET',
  'CATEGORY_WATCH_ATTRIBUTE',
  'ASSET_CREATED',
];

export const KNOWN_EVENT_FAMILIES: readonly string[] = [
  'CATEGORY_WATCH_METADATA_',
  'CATEGORY_LOCAL_WATCH_ATTRIBUTE_',
  'ASSET_WATCH_METADATA_',
  'ASSET_WATCH_ATTRIBUTE_',
];

/**
 * The name an event type is counted under: itself when §11.3 lists it, its family (`ASSET_WATCH_METADATA_*`)
 * for the families listed there, otherwise `other`, so a sender cannot grow metric cardinality.
 */
export function eventTypeLabel(eventType: string): string {
  if (KNOWN_EVENT_TYPES.includes(eventType)) return eventType;
  const family = KNOWN_EVENT_FAMILIES.find((prefix) => eventType.startsWith(prefix));
  return family ? `${family}*` : 'other';
}

export function isKnownEventType(eventType: string): boolean {
  return eventTypeLabel(eventType) !== 'other';
}

const missingOr = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined || issue.input === null ? `is required: ${what}` : `must be ${what}`;

const timestamp = z.union(
  [
    z.number().nonnegative().finite(),
    z
      .string()
      .regex(/^\d{1,16}$/)
      .transform(Number),
  ],
  { error: missingOr('epoch milliseconds, a number such as 1701789437382') },
);

const syncDoneData = z.looseObject(
  {
    value: z
      .string({ error: missingOr('the sync id, a non-empty string') })
      .trim()
      .min(1, { error: 'is empty: it must hold the sync id' }),
    context: z
      .string({ error: missingOr('the Bluestone context, a non-empty string such as "en"') })
      .trim()
      .min(1, { error: 'is empty: it must name the Bluestone context, e.g. "en"' }),
    // Informational only: a wrong type is dropped rather than refused.
    field: z.string().optional().catch(undefined),
  },
  {
    error: missingOr(
      `an object for ${SYNC_DONE}, e.g. {"field":"PAPI_SYNC_ID","value":"<sync id>","context":"en"}`,
    ),
  },
);

const stateChange = z.looseObject(
  {
    newValue: z
      .string({ error: missingOr('the new product state, a non-empty string such as "ARCHIVED"') })
      .trim()
      .min(1, { error: 'is empty: it must hold the new product state, e.g. "ARCHIVED"' }),
    // Optional or informational: a wrong type is dropped rather than refused.
    context: z.string().optional().catch(undefined),
    changeType: z.string().optional().catch(undefined),
    oldValue: z.string().optional().catch(undefined),
  },
  { error: missingOr(`an object for ${WATCH_STATE}, e.g. {"newValue":"ARCHIVED","context":"en"}`) },
);

const entityIds = z.array(
  z.string().trim().min(1, { error: 'is empty: product ids are non-empty strings' }),
  {
    error: missingOr('the ids of the products to archive, a non-empty array of strings'),
  },
);

type Issue = { path: PropertyKey[]; message: string };

/** Runs a sub-schema on a field and re-reports its issues under that field's path. */
function check<T>(schema: z.ZodType<T>, value: unknown, field: string, issues: Issue[]): T | undefined {
  const result = schema.safeParse(value === null ? undefined : value);
  if (result.success) return result.data;
  for (const issue of result.error.issues)
    issues.push({ path: [field, ...issue.path], message: issue.message });
  return undefined;
}

function changeSchema(archiveStates: readonly string[]) {
  return z
    .looseObject(
      {
        eventType: z
          .string({ error: missingOr('a string such as PRODUCT_SYNC_DONE') })
          .min(1, { error: 'is empty: it must name the event, e.g. PRODUCT_SYNC_DONE' }),
      },
      { error: missingOr('an object with at least an eventType') },
    )
    .transform((raw, ctx): WebhookChange => {
      const issues: Issue[] = [];
      // Typed fields keep only values that match their type; other unknown fields pass through.
      const { entityIds: rawIds, syncDoneData: _data, stateChange: _state, ...rest } = raw;
      const change: WebhookChange = { ...rest };
      if (Array.isArray(rawIds) && rawIds.every((id) => typeof id === 'string')) change.entityIds = rawIds;
      if (raw.eventType === SYNC_DONE) {
        const data = check(syncDoneData, raw.syncDoneData, 'syncDoneData', issues);
        if (data) change.syncDoneData = data;
      } else if (raw.eventType === WATCH_STATE) {
        const state = check(stateChange, raw.stateChange, 'stateChange', issues);
        if (state) change.stateChange = state;
        if (state && archiveStates.includes(state.newValue)) {
          const ids = check(entityIds, raw.entityIds, 'entityIds', issues);
          if (ids && ids.length === 0)
            issues.push({
              path: ['entityIds'],
              message: `is empty: a change to archive state ${state.newValue} must name the products`,
            });
          if (ids) change.entityIds = ids;
        }
      }
      for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return issues.length > 0 ? z.NEVER : change;
    });
}

export interface EnvelopeOptions {
  /** `PRODUCT_WATCH_STATE` values that delete products (config `ARCHIVE_STATES`); default `ARCHIVED`. */
  archiveStates?: readonly string[];
}

/** The envelope schema; its output is a `WebhookEnvelope` whose acted-on events carry what we need. */
export function webhookEnvelopeSchema(options: EnvelopeOptions = {}): z.ZodType<WebhookEnvelope> {
  const archiveStates = options.archiveStates ?? ['ARCHIVED'];
  return z.looseObject(
    {
      timestamp,
      events: z.array(
        z.looseObject(
          { changes: changeSchema(archiveStates) },
          { error: missingOr('an object with a changes object') },
        ),
        { error: missingOr('an array of {changes: {eventType, ...}}') },
      ),
    },
    { error: missingOr('a JSON object {timestamp, events: [...]}') },
  ) as unknown as z.ZodType<WebhookEnvelope>;
}

export type EnvelopeResult = { ok: true; envelope: WebhookEnvelope } | { ok: false; problems: string[] };

/** Validates a parsed JSON body; problems read `events[0].changes.syncDoneData.value is required: ...`. */
export function parseWebhookEnvelope(body: unknown, options: EnvelopeOptions = {}): EnvelopeResult {
  const result = webhookEnvelopeSchema(options).safeParse(body);
  if (result.success) return { ok: true, envelope: result.data };
  return { ok: false, problems: result.error.issues.map((i) => `${fieldPath(i.path)} ${i.message}`) };
}

/** `['events', 0, 'changes', 'eventType']` → `events[0].changes.eventType` (the body itself: `body`). */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  }
  return out || 'body';
}
