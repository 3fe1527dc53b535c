import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { WebhookEnvelope } from '../bluestone/types';
import type { Config } from '../config';
import { syncSearchAttributes } from './search-attributes';
import {
  syncCoordinatorWorkflowId,
  type ArchiveProductsInput,
  type SyncDoneNotice,
} from '../shared/sync-types';
import { syncDoneSignal } from '../shared/messages';
import { archiveProducts } from '../workflows/archive-products';
import { syncCoordinator } from '../workflows/sync-coordinator';

/**
 * Handing Bluestone's notices to Temporal: a finished sync goes to the coordinator (which applies
 * syncs in order, once each), an archive state change starts an archive workflow. Shared by the
 * webhook gateway and anything else that learns of syncs or archived products.
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
  workflowId: string;
  input: ArchiveProductsInput;
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
        workflowId: archiveWorkflowId(options.taskQueue, productIds, state, envelope.timestamp),
        input: { productIds, state, ...(context ? { context } : {}) },
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
 * One archive workflow per notice: a redelivered envelope (same products, state and timestamp)
 * maps to the same id, a later archive of the same products does not.
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
  const { taskQueue } = target;
  const workflowId = syncCoordinatorWorkflowId(taskQueue);
  await client.workflow.signalWithStart(syncCoordinator, {
    workflowId,
    taskQueue,
    signal: syncDoneSignal,
    signalArgs: [notice],
    args: [{}],
    typedSearchAttributes: syncSearchAttributes('coordinator', { temporal: target }),
  });
  return workflowId;
}

/** Starts an archive workflow; `duplicate` when that notice already started one (redelivery). */
export async function startArchive(
  client: Client,
  target: Target,
  workflowId: string,
  input: ArchiveProductsInput,
): Promise<'started' | 'duplicate'> {
  try {
    await client.workflow.start(archiveProducts, {
      workflowId,
      taskQueue: target.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      // A failed archive may be redone by a redelivery; a running or completed one may not.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: syncSearchAttributes('archive', { temporal: target }),
      staticSummary: `Archive ${input.productIds.length} product(s): state ${input.state}`,
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
    throw err;
  }
}

export type HandOffOutcome = 'signalled' | 'started' | 'duplicate';

export interface HandOffResult {
  /** Workflow ids handed a notice (the coordinator once, however many syncs it was told of). */
  started: string[];
  /** Archive workflow ids that an earlier delivery of the same notice already started. */
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
    if (item.kind === 'coordinator_signal') {
      started.add(await client.withDeadline(deadline, () => signalSyncDone(client, target, item.notice)));
      options.onAccepted?.(item, 'signalled');
    } else {
      const outcome = await client.withDeadline(deadline, () =>
        startArchive(client, target, item.workflowId, item.input),
      );
      (outcome === 'started' ? started : duplicates).add(item.workflowId);
      options.onAccepted?.(item, outcome);
    }
  }
  return { started: [...started], duplicates: [...duplicates] };
}
