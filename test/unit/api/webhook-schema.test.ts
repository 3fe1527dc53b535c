import {
  eventTypeLabel,
  fieldPath,
  parseWebhookEnvelope,
  type EnvelopeResult,
} from '../../../src/api/webhook-schema';
import { archiveWorkflowId, MalformedDeliveryError, planDelivery } from '../../../src/client/webhooks';
import type { WebhookEnvelope } from '../../../src/bluestone/types';

/** The real PRODUCT_SYNC_DONE delivery of bluestone-papi.md §11.2. */
const syncDone = {
  timestamp: 1701789437382,
  events: [
    {
      changes: {
        eventType: 'PRODUCT_SYNC_DONE',
        entityIds: [],
        syncDoneData: { field: 'PAPI_SYNC_ID', value: '656f3ef6e2f4d70012a166ba', context: 'en' },
      },
    },
  ],
};

function archived(ids: unknown, newValue: unknown = 'ARCHIVED', timestamp: unknown = 1701789437382) {
  return {
    timestamp,
    events: [
      {
        changes: {
          eventType: 'PRODUCT_WATCH_STATE',
          entityIds: ids,
          stateChange: { changeType: 'UPDATE', oldValue: 'CONNECTED', newValue, context: 'en' },
        },
      },
    ],
  };
}

function valid(result: EnvelopeResult): WebhookEnvelope {
  if (!result.ok) throw new Error(`expected a valid envelope, got: ${result.problems.join('; ')}`);
  return result.envelope;
}

function problems(result: EnvelopeResult): string[] {
  if (result.ok) throw new Error('expected problems, the envelope was accepted');
  return result.problems;
}

describe('webhook envelope schema', () => {
  it('reads the real sync-done delivery', () => {
    const envelope = valid(parseWebhookEnvelope(syncDone));
    expect(envelope.timestamp).toBe(1701789437382);
    expect(envelope.events[0].changes.syncDoneData).toEqual({
      field: 'PAPI_SYNC_ID',
      value: '656f3ef6e2f4d70012a166ba',
      context: 'en',
    });
  });

  it('is a tolerant reader: extra fields anywhere and unknown event types pass', () => {
    const envelope = valid(
      parseWebhookEnvelope({
        ...syncDone,
        webhookId: 'w1',
        events: [
          { ...syncDone.events[0], deliveredAt: 5 },
          {
            changes: {
              eventType: 'SOMETHING_NEW',
              entityIds: { not: 'an array' },
              syncDoneData: 'not ours to check',
              brandNewField: [1, 2],
            },
          },
          { changes: { eventType: 'PRODUCT_WATCH_ASSET', assetChange: { changeType: 'ASSOCIATE' } } },
        ],
      }),
    );
    expect(envelope.events.map((e) => e.changes.eventType)).toEqual([
      'PRODUCT_SYNC_DONE',
      'SOMETHING_NEW',
      'PRODUCT_WATCH_ASSET',
    ]);
    expect(envelope.events[1].changes.brandNewField).toEqual([1, 2]);
    // Typed fields of unknown events are dropped when they do not have their documented type.
    expect(envelope.events[1].changes.entityIds).toBeUndefined();
    expect(envelope.events[1].changes.syncDoneData).toBeUndefined();
  });

  it('accepts the timestamp as a number or a string of digits, nothing else', () => {
    expect(valid(parseWebhookEnvelope({ ...syncDone, timestamp: '1701789437382' })).timestamp).toBe(
      1701789437382,
    );
    expect(problems(parseWebhookEnvelope({ ...syncDone, timestamp: '2023-12-05' }))).toEqual([
      'timestamp must be epoch milliseconds, a number such as 1701789437382',
    ]);
    expect(problems(parseWebhookEnvelope({ ...syncDone, timestamp: -1 }))[0]).toMatch(/^timestamp /);
  });

  it('names each missing required field', () => {
    expect(problems(parseWebhookEnvelope(null))).toEqual([
      'body is required: a JSON object {timestamp, events: [...]}',
    ]);
    expect(problems(parseWebhookEnvelope([]))).toEqual([
      'body must be a JSON object {timestamp, events: [...]}',
    ]);
    expect(problems(parseWebhookEnvelope({}))).toEqual([
      'timestamp is required: epoch milliseconds, a number such as 1701789437382',
      'events is required: an array of {changes: {eventType, ...}}',
    ]);
    expect(
      problems(
        parseWebhookEnvelope({ timestamp: 1, events: [{}, { changes: {} }, { changes: { eventType: '' } }] }),
      ),
    ).toEqual([
      'events[0].changes is required: an object with at least an eventType',
      'events[1].changes.eventType is required: a string such as PRODUCT_SYNC_DONE',
      'events[2].changes.eventType is empty: it must name the event, e.g. PRODUCT_SYNC_DONE',
    ]);
  });

  it('requires syncDoneData with a sync id and a context on PRODUCT_SYNC_DONE, in every event', () => {
    const change = (syncDoneData: unknown) => ({ changes: { eventType: 'PRODUCT_SYNC_DONE', syncDoneData } });
    const result = parseWebhookEnvelope({
      timestamp: 1,
      events: [
        syncDone.events[0],
        change(undefined),
        change(null),
        change({ context: 'en' }),
        change({ value: ' ', context: 'en' }),
        change({ value: 's1' }),
      ],
    });
    expect(problems(result)).toEqual([
      expect.stringMatching(
        /^events\[1\]\.changes\.syncDoneData is required: an object for PRODUCT_SYNC_DONE/,
      ),
      expect.stringMatching(/^events\[2\]\.changes\.syncDoneData is required/),
      'events[3].changes.syncDoneData.value is required: the sync id, a non-empty string',
      'events[4].changes.syncDoneData.value is empty: it must hold the sync id',
      'events[5].changes.syncDoneData.context is required: the Bluestone context, a non-empty string such as "en"',
    ]);
  });

  it('requires a new state on PRODUCT_WATCH_STATE, and products when that state archives', () => {
    expect(problems(parseWebhookEnvelope(archived(['p1'], null)))).toEqual([
      'events[0].changes.stateChange.newValue is required: the new product state, a non-empty string such as "ARCHIVED"',
    ]);
    expect(problems(parseWebhookEnvelope(archived(undefined)))).toEqual([
      'events[0].changes.entityIds is required: the ids of the products to archive, a non-empty array of strings',
    ]);
    expect(problems(parseWebhookEnvelope(archived([])))).toEqual([
      'events[0].changes.entityIds is empty: a change to archive state ARCHIVED must name the products',
    ]);
    expect(problems(parseWebhookEnvelope(archived(['p1', 7])))[0]).toMatch(
      /^events\[0\]\.changes\.entityIds\[1\] /,
    );
    // Not an archive state: no products needed.
    expect(valid(parseWebhookEnvelope(archived(undefined, 'CONNECTED'))).events).toHaveLength(1);
    // Archive states are configuration (a real payload carried TO_BE_ARCHIVED).
    const options = { archiveStates: ['TO_BE_ARCHIVED'] };
    expect(problems(parseWebhookEnvelope(archived([], 'TO_BE_ARCHIVED'), options))[0]).toMatch(
      /entityIds is empty/,
    );
    expect(valid(parseWebhookEnvelope(archived([], 'ARCHIVED'), options)).events).toHaveLength(1);
  });

  it('formats field paths the way users write them', () => {
    expect(fieldPath(['events', 3, 'changes', 'syncDoneData', 'value'])).toBe(
      'events[3].changes.syncDoneData.value',
    );
    expect(fieldPath([])).toBe('body');
  });

  it('counts event types under bounded names', () => {
    expect(eventTypeLabel('PRODUCT_SYNC_DONE')).toBe('PRODUCT_SYNC_DONE');
    expect(eventTypeLabel('PRODUCT_WATCH_ASSET')).toBe('PRODUCT_WATCH_ASSET');
    expect(eventTypeLabel('ASSET_WATCH_METADATA_NAME')).toBe('ASSET_WATCH_METADATA_*');
    expect(eventTypeLabel('SOMETHING_NEW')).toBe('other');
    expect(eventTypeLabel('product_sync_done')).toBe('other');
  });
});

describe('delivery plan', () => {
  const options = { taskQueue: 'tq', archiveStates: ['ARCHIVED'] };

  it('hands every event on, in order, and says why others are ignored', () => {
    const envelope = valid(
      parseWebhookEnvelope({
        timestamp: 1701789437382,
        events: [
          syncDone.events[0],
          { changes: { eventType: 'PRODUCT_SYNC_DONE', syncDoneData: { value: 's2', context: 'sv' } } },
          archived(['p2', 'p1', 'p2']).events[0],
          archived(['p3'], 'CONNECTED').events[0],
          { changes: { eventType: 'SOMETHING_NEW' } },
        ],
      }),
    );
    const plan = planDelivery(envelope, { ...options, isKnownEventType: (t) => t !== 'SOMETHING_NEW' });
    expect(plan.received).toBe(5);
    expect(plan.handOffs).toEqual([
      {
        kind: 'coordinator_signal',
        index: 0,
        notice: { syncId: '656f3ef6e2f4d70012a166ba', context: 'en', via: 'webhook' },
      },
      { kind: 'coordinator_signal', index: 1, notice: { syncId: 's2', context: 'sv', via: 'webhook' } },
      {
        kind: 'archive',
        index: 2,
        // For the coordinator: the archive run's id (from the delivery) and the notice's time.
        notice: {
          workflowId: archiveWorkflowId('tq', ['p1', 'p2'], 'ARCHIVED', 1701789437382),
          productIds: ['p1', 'p2'],
          state: 'ARCHIVED',
          context: 'en',
          timestamp: 1701789437382,
        },
      },
    ]);
    expect(plan.ignored).toEqual([
      {
        index: 3,
        eventType: 'PRODUCT_WATCH_STATE',
        code: 'not_archive_state',
        reason: 'state CONNECTED is not an archive state (ARCHIVE_STATES: ARCHIVED)',
      },
      {
        index: 4,
        eventType: 'SOMETHING_NEW',
        code: 'unknown_type',
        reason: 'unknown event type SOMETHING_NEW',
      },
    ]);
  });

  it('derives archive ids from the products, the state and the envelope time', () => {
    const id = archiveWorkflowId('tq', ['b', 'a'], 'ARCHIVED', 1);
    expect(id).toMatch(/^tq\/archive-[0-9a-f]{16}$/);
    expect(archiveWorkflowId('tq', ['a', 'b', 'a'], 'ARCHIVED', 1)).toBe(id);
    expect(archiveWorkflowId('tq', ['a', 'b'], 'ARCHIVED', 2)).not.toBe(id);
    expect(archiveWorkflowId('tq', ['a', 'b'], 'TO_BE_ARCHIVED', 1)).not.toBe(id);
    expect(archiveWorkflowId('tq', ['a'], 'ARCHIVED', 1)).not.toBe(id);
    expect(archiveWorkflowId('other', ['a', 'b'], 'ARCHIVED', 1)).not.toBe(id);
  });

  it('refuses an unvalidated envelope that lacks what an event needs', () => {
    const envelope = {
      timestamp: 1,
      events: [syncDone.events[0], { changes: { eventType: 'PRODUCT_SYNC_DONE' } }],
    } as WebhookEnvelope;
    expect(() => planDelivery(envelope, options)).toThrow(MalformedDeliveryError);
    expect(() => planDelivery(envelope, options)).toThrow('events[1].changes.syncDoneData.value is required');
  });
});
