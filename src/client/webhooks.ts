import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { WebhookEnvelope } from '../bluestone/types';
import type { Config } from '../config';
import { syncSearchAttributes } from './search-attributes';
import { coordinatorSummary } from './summaries';
import { syncCoordinatorWorkflowId, type ArchiveNotice, type SyncDoneNotice } from '../shared/sync-types';
import { archiveNoticeSignal, syncDoneSignal } from '../shared/messages';
import { syncCoordinator } from '../workflows/sync-coordinator';

/**
 * Handing Bluestone's notices to Temporal: a finished sync and an archive state change both go to
 * the coordinator, which applies them in time order (a sync's creation time, an archive notice's
 * timestamp), once each. Shared by the webhook gateway and anything else that learns of syncs or
 * archived products.
 */

/** How long one hand-off may take before Temporal counts as unreachable. */
/** Where syncs of this deployment run: its task queue, and its SYNC_ENVIRONMENT. */
export type Target = Pick<Config['temporal'], 'taskQueue' | 'environment'>;

export const HAND_OFF_DEADLINE_MS = 5000;

export interface SyncDoneHandOff {
  kind: 'coordinator_signal';
  /** Index of the event in its delivery. */
  index: number;
  notice: SyncDoneNotice;
}

export interface ArchiveHandOff {
  kind: 'archive';
  index: number;
  /** Carries the id of the archive run that applies it, derived from the delivery (archiveWorkflowId). */
  notice: ArchiveNotice;
}

export type HandOff = SyncDoneHandOff | ArchiveHandOff;

/** Why an event leads to nothing: `unknown_type`, `not_acted_on` (known, no action), `not_archive_state`. */
export type IgnoredCode = 'unknown_type' | 'not_acted_on' | 'not_archive_state';

export interface IgnoredEvent {
  index: number;
  eventType: string;
  code: IgnoredCode;
  reason: string;
}

export interface DeliveryPlan {
  /** Events in the delivery. */
  received: number;
  handOffs: HandOff[];
  ignored: IgnoredEvent[];
}

export interface PlanOptions {
  taskQueue: string;
  archiveStates: readonly string[];
  /** Whether an event type is one Bluestone documents (only changes the ignore reason). */
  isKnownEventType?: (eventType: string) => boolean;
}

/** A required field was missing: validate envelopes (webhook-schema.ts) before planning. */
export class MalformedDeliveryError extends Error {
  constructor(
    public readonly index: number,
    public readonly field: string,
  ) {
    super(`events[${index}].changes.${field} is required`);
    this.name = 'MalformedDeliveryError';
  }
}

/**
 * What a delivery asks for, event by event (every event, not only the last). Pure; throws
 * MalformedDeliveryError before anything is started when an acted-on event lacks a field.
 */
export function planDelivery(envelope: WebhookEnvelope, options: PlanOptions): DeliveryPlan {
  const plan: DeliveryPlan = { received: envelope.events.length, handOffs: [], ignored: [] };
  envelope.events.forEach(({ changes }, index) => {
    const eventType = changes.eventType;
    if (eventType === 'PRODUCT_SYNC_DONE') {
      const data = changes.syncDoneData;
      if (!data?.value) throw new MalformedDeliveryError(index, 'syncDoneData.value');
      if (!data.context) throw new MalformedDeliveryError(index, 'syncDoneData.context');
      plan.handOffs.push({
        kind: 'coordinator_signal',
        index,
        notice: { syncId: data.value, context: data.context, via: 'webhook' },
      });
    } else if (eventType === 'PRODUCT_WATCH_STATE') {
      const state = changes.stateChange?.newValue;
      if (!state) throw new MalformedDeliveryError(index, 'stateChange.newValue');
      if (!options.archiveStates.includes(state)) {
        plan.ignored.push({
          index,
          eventType,
          code: 'not_archive_state',
          reason: `state ${state} is not an archive state (ARCHIVE_STATES: ${options.archiveStates.join(', ')})`,
        });
        return;
      }
      if (!changes.entityIds?.length) throw new MalformedDeliveryError(index, 'entityIds');
      const productIds = [...new Set(changes.entityIds)].sort();
      const context = changes.stateChange?.context;
      plan.handOffs.push({
        kind: 'archive',
        index,
        notice: {
          workflowId: archiveWorkflowId(options.taskQueue, productIds, state, envelope.timestamp),
          productIds,
          state,
          ...(context ? { context } : {}),
          timestamp: envelope.timestamp,
        },
      });
    } else {
      const known = options.isKnownEventType?.(eventType) ?? true;
      plan.ignored.push(
        known
          ? {
              index,
              eventType,
              code: 'not_acted_on',
              reason: `${eventType} is not acted on: changes reach Occtoo with the next PRODUCT_SYNC_DONE`,
            }
          : { index, eventType, code: 'unknown_type', reason: `unknown event type ${eventType}` },
      );
    }
  });
  return plan;
}

/**
 * One archive run per notice: a redelivered envelope (same products, state and timestamp) maps to
 * the same id, a later archive of the same products does not. The context is left out: Bluestone
 * sends one notice per context for one archive, and the products leave every context.
 */
export function archiveWorkflowId(
  taskQueue: string,
  productIds: readonly string[],
  state: string,
  envelopeTimestamp: number,
): string {
  const ids = [...new Set(productIds)].sort();
  const digest = createHash('sha256')
    .update(JSON.stringify({ ids, state, timestamp: envelopeTimestamp }))
    .digest('hex');
  return `${taskQueue}/archive-${digest.slice(0, 16)}`;
}

/** Signals the coordinator (starting it when it is not running); returns its workflow id. */
export async function signalSyncDone(
  client: Client,
  target: Target,
  notice: SyncDoneNotice,
): Promise<string> {
  const start = coordinatorStart(target);
  await client.workflow.signalWithStart(syncCoordinator, {
    ...start,
    signal: syncDoneSignal,
    signalArgs: [notice],
  });
  return start.workflowId;
}

/**
 * Hands an archive notice to the coordinator (starting it when it is not running); returns its
 * workflow id. A redelivered notice is a duplicate there: its archive run's id is taken.
 */
export async function signalArchiveNotice(
  client: Client,
  target: Target,
  notice: ArchiveNotice,
): Promise<string> {
  const start = coordinatorStart(target);
  await client.workflow.signalWithStart(syncCoordinator, {
    ...start,
    signal: archiveNoticeSignal,
    signalArgs: [notice],
  });
  return start.workflowId;
}

/** How the gateway starts the coordinator when a signal finds it not running. */
function coordinatorStart(target: Target) {
  return {
    workflowId: syncCoordinatorWorkflowId(target.taskQueue),
    taskQueue: target.taskQueue,
    args: [{}] as [Record<string, never>],
    typedSearchAttributes: syncSearchAttributes('coordinator', { temporal: target }),
    staticSummary: coordinatorSummary(target.taskQueue),
  };
}

export type HandOffOutcome = 'signalled' | 'started' | 'duplicate';

export interface HandOffResult {
  /** Workflow ids handed a notice: the coordinator, once, however many syncs and archives it was told of. */
  started: string[];
  /**
   * Workflows an earlier delivery of the same notice already started. Always empty since archive
   * notices go through the coordinator, which counts redeliveries as duplicates itself.
   */
  duplicates: string[];
}

/**
 * Performs a plan's hand-offs in delivery order, each within `deadlineMs` so an unreachable
 * Temporal fails fast. Stops at the first failure; what was accepted before it stays accepted
 * and is found again (signals deduped by sync id, archive ids deterministic) on redelivery.
 */
export async function handOff(
  client: Client,
  target: Target,
  handOffs: readonly HandOff[],
  options: {
    deadlineMs?: number;
    /** Called as Temporal accepts each hand-off (for metrics), also when a later one fails. */
    onAccepted?: (handOff: HandOff, outcome: HandOffOutcome) => void;
  } = {},
): Promise<HandOffResult> {
  const deadlineMs = options.deadlineMs ?? HAND_OFF_DEADLINE_MS;
  const started = new Set<string>();
  const duplicates = new Set<string>();
  for (const item of handOffs) {
    const deadline = Date.now() + deadlineMs;
    const signal =
      item.kind === 'coordinator_signal'
        ? () => signalSyncDone(client, target, item.notice)
        : () => signalArchiveNotice(client, target, item.notice);
    started.add(await client.withDeadline(deadline, signal));
    options.onAccepted?.(item, 'signalled');
  }
  return { started: [...started], duplicates: [...duplicates] };
}
