import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  ArchiveNotice,
  CoordinatorState,
  FullSyncProgress,
  IncrementalSyncResult,
  SyncDoneNotice,
} from './sync-types';

/**
 * Signals and queries, defined once and imported by both sides (workflows, gateway, CLI, tests).
 * Each query has its own name, so a reader picks the one of the workflow's type.
 */

/** A sync reached Bluestone's Public API: the coordinator queues it for ordered application. */
export const syncDoneSignal = defineSignal<[SyncDoneNotice]>('syncDone');

/** Products were archived: the coordinator applies the notice in time order with the syncs. */
export const archiveNoticeSignal = defineSignal<[ArchiveNotice]>('archiveNotice');

export const coordinatorStateQuery = defineQuery<CoordinatorState>('state');

/** Live progress of a full sync, per context and per source. */
export const fullSyncProgressQuery = defineQuery<FullSyncProgress>('fullSyncProgress');

/** Live totals of an incremental sync. */
export const incrementalSyncProgressQuery = defineQuery<IncrementalSyncResult>('incrementalSyncProgress');
