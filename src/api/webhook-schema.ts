import { z } from 'zod';
import type { WebhookChange, WebhookEnvelope } from '../bluestone/types';
import { BLUESTONE_CONTEXT_RULE, BLUESTONE_ID_RULE, shownValue } from '../shared/sync-types';

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
 *
 * What we act on must also look like Bluestone's own values, so that a notice that can never be
 * applied is refused here (400) instead of stalling the sync queue behind it: sync and product ids
 * are BLUESTONE_ID_RULE, contexts BLUESTONE_CONTEXT_RULE, and no event names more than
 * MAX_ENTITY_IDS_PER_EVENT entities.
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

/**
 * The most entity ids one event may name. Bluestone's sync-done events name none; an archive
 * notice names the archived products. 10,000 ids keep an archive workflow's input near 300 KB,
 * far below Temporal's 2 MB payload limit.
 */
export const MAX_ENTITY_IDS_PER_EVENT = 10_000;

/** A trimmed string matching a rule; the message names the rule and shows the value. */
function shaped(rule: { pattern: RegExp; description: string }, what: string) {
  return z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      if (value !== '' && !rule.pattern.test(value))
        ctx.addIssue({
          code: 'custom',
          message: `must be ${what}: ${rule.description} (got ${shownValue(value)})`,
        });
    });
}

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
      .min(1, { error: 'is empty: it must hold the sync id' })
      .pipe(shaped(BLUESTONE_ID_RULE, 'a Bluestone sync id')),
    context: z
      .string({ error: missingOr('the Bluestone context, a non-empty string such as "en"') })
      .trim()
      .min(1, { error: 'is empty: it must name the Bluestone context, e.g. "en"' })
      .pipe(shaped(BLUESTONE_CONTEXT_RULE, 'a Bluestone context')),
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
  z
    .string()
    .trim()
    .min(1, { error: 'is empty: product ids are non-empty strings' })
    .pipe(shaped(BLUESTONE_ID_RULE, 'a Bluestone product id')),
  {
    error: missingOr('the ids of the products to archive, a non-empty array of strings'),
  },
);

const archiveContext = shaped(BLUESTONE_CONTEXT_RULE, 'a Bluestone context').optional();

/** Problems of an id list reported once for the list, not once per id (20,000 lines help nobody). */
const MAX_ID_PROBLEMS = 3;

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
      if (Array.isArray(rawIds) && rawIds.length > MAX_ENTITY_IDS_PER_EVENT) {
        // Whatever the event: so many ids is not a Bluestone notice, and nothing of it is started.
        ctx.addIssue({
          code: 'custom',
          path: ['entityIds'],
          message: `has ${rawIds.length} ids: at most ${MAX_ENTITY_IDS_PER_EVENT} per event; split the notice`,
        });
        return z.NEVER;
      }
      if (Array.isArray(rawIds) && rawIds.every((id) => typeof id === 'string')) change.entityIds = rawIds;
      if (raw.eventType === SYNC_DONE) {
        const data = check(syncDoneData, raw.syncDoneData, 'syncDoneData', issues);
        if (data) change.syncDoneData = data;
      } else if (raw.eventType === WATCH_STATE) {
        const state = check(stateChange, raw.stateChange, 'stateChange', issues);
        if (state) change.stateChange = state;
        if (state && archiveStates.includes(state.newValue)) {
          const before = issues.length;
          const ids = check(entityIds, raw.entityIds, 'entityIds', issues);
          if (issues.length - before > MAX_ID_PROBLEMS) {
            const more = issues.length - before - MAX_ID_PROBLEMS;
            issues.splice(before + MAX_ID_PROBLEMS);
            issues.push({
              path: ['entityIds'],
              message: `has ${more} more ids that are not Bluestone product ids`,
            });
          }
          if (ids && ids.length === 0)
            issues.push({
              path: ['entityIds'],
              message: `is empty: a change to archive state ${state.newValue} must name the products`,
            });
          if (ids) change.entityIds = ids;
          // Its context is carried into the archive workflow: it must be one Bluestone could send.
          const context = check(archiveContext, state.context, 'stateChange.context', issues);
          if (context !== undefined && change.stateChange) change.stateChange.context = context;
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
