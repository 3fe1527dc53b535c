import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FullSyncProgress, IncrementalSyncResult, SyncDoneNotice } from './sync-types';

/**
 * Signals and queries, defined once and imported by both sides (workflows, gateway, CLI, tests).
 */

/** A sync reached Bluestone's Public API: the coordinator queues it for ordered application. */
export const syncDoneSignal = defineSignal<[SyncDoneNotice]>('syncDone');

/** What the coordinator holds: syncs waiting, the one being applied, and recent outcomes. */
export interface CoordinatorState {
  pending: { syncId: string; context: string; createdAt?: number }[];
  applying?: string;
  applied: number;
  skipped: number;
  failed: number;
  duplicates: number;
  recent: {
    syncId: string;
    context: string;
    outcome: 'applied' | 'skipped' | 'failed' | 'duplicate';
    detail?: string;
  }[];
}

export const coordinatorStateQuery = defineQuery<CoordinatorState>('state');

/** Live progress of a full sync, per context and per source. */
export const progressQuery = defineQuery<FullSyncProgress>('progress');

/** Live totals of an incremental sync (same query name, so `/syncs/:id` reads any sync). */
export const incrementalProgressQuery = defineQuery<IncrementalSyncResult>('progress');
