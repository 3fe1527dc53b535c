/**
 * Where one incremental sync spent its time, from the Temporal server's own event timestamps:
 * the coordinator's history (signal in, `lookupSyncs`, child start) and the `incrementalSync`
 * child's (its workflow tasks and `applyDifferencesChunk` activities). The server and this
 * process share the machine's clock, so the marks compare with the benchmark's own times.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** Milliseconds since the epoch (fractional) of each step; undefined when not found. */
export interface SyncTimeline {
  syncId: string;
  /** The gateway's signal-with-start reached the coordinator. */
  signalled?: number;
  /** The coordinator's workflow task that took the signal in: began, completed. */
  coordinatorTaskStarted?: number;
  coordinatorTaskCompleted?: number;
  lookupScheduled?: number;
  lookupStarted?: number;
  lookupCompleted?: number;
  /** The coordinator's next workflow task (took the lookup result in, asked for the child). */
  coordinatorTask2Started?: number;
  childInitiated?: number;
  /** The child's first event. */
  childStarted?: number;
  /** The child's first workflow task (the workflow is created on the worker): began, completed. */
  childFirstTaskStarted?: number;
  childFirstTaskCompleted?: number;
  categoriesScheduled?: number;
  categoriesStarted?: number;
  categoriesCompleted?: number;
  /** The child's workflow task after the categories chunk: began. */
  childSecondTaskStarted?: number;
  productsScheduled?: number;
  productsStarted?: number;
  /** Completion of the last products chunk. */
  productsCompleted?: number;
  childCompleted?: number;
  /** The coordinator heard of the child's completion. */
  childCompletedInParent?: number;
}

function timeOf(event: HistoryEvent | undefined): number | undefined {
  const ts = event?.eventTime;
  if (!ts) return undefined;
  return Number(ts.seconds ?? 0) * 1000 + (ts.nanos ?? 0) / 1e6;
}

function decodeFirst(payloads: { payloads?: unknown[] | null } | null | undefined): unknown {
  const first = payloads?.payloads?.[0];
  if (!first) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(
      first as Parameters<typeof defaultPayloadConverter.fromPayload>[0],
    );
  } catch {
    return undefined;
  }
}

const eventId = (e: HistoryEvent) => Number(e.eventId ?? 0);

/** The first workflow task that starts after `from` (an index): its started and completed times. */
function taskAfter(events: HistoryEvent[], from: number): { started?: number; completed?: number } {
  const at = events.findIndex((e, i) => i > from && e.workflowTaskStartedEventAttributes);
  if (at < 0) return {};
  const startedId = eventId(events[at]);
  const completed = events.find(
    (e, i) => i > at && Number(e.workflowTaskCompletedEventAttributes?.startedEventId ?? -1) === startedId,
  );
  return { started: timeOf(events[at]), completed: timeOf(completed) };
}

/** The coordinator's marks for one sync id, and the child's. Histories are read, never changed. */
export async function syncTimeline(client: Client, taskQueue: string, syncId: string): Promise<SyncTimeline> {
  const timeline: SyncTimeline = { syncId };
  const childId = incrementalSyncWorkflowId(taskQueue, syncId);

  // The coordinator may have continued as new since: its current run holds recent syncs.
  const coordinator = await client.workflow.getHandle(syncCoordinatorWorkflowId(taskQueue)).fetchHistory();
  const events = coordinator.events ?? [];
  const signalAt = events.findIndex((e) => {
    const attrs = e.workflowExecutionSignaledEventAttributes;
    if (!attrs || attrs.signalName !== 'syncDone') return false;
    return (decodeFirst(attrs.input) as { syncId?: string } | undefined)?.syncId === syncId;
  });
  if (signalAt >= 0) {
    const after = (i: number) => events.slice(i + 1);
    timeline.signalled = timeOf(events[signalAt]);
    const first = taskAfter(events, signalAt);
    timeline.coordinatorTaskStarted = first.started;
    timeline.coordinatorTaskCompleted = first.completed;
    const lookupAt = events.findIndex(
      (e, i) => i > signalAt && e.activityTaskScheduledEventAttributes?.activityType?.name === 'lookupSyncs',
    );
    if (lookupAt >= 0) {
      const id = eventId(events[lookupAt]);
      timeline.lookupScheduled = timeOf(events[lookupAt]);
      timeline.lookupStarted = timeOf(
        after(lookupAt).find(
          (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === id,
        ),
      );
      const completedAt = events.findIndex(
        (e, i) =>
          i > lookupAt && Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === id,
      );
      if (completedAt >= 0) {
        timeline.lookupCompleted = timeOf(events[completedAt]);
        timeline.coordinatorTask2Started = taskAfter(events, completedAt).started;
      }
    }
    timeline.childInitiated = timeOf(
      after(signalAt).find(
        (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === childId,
      ),
    );
    timeline.childCompletedInParent = timeOf(
      after(signalAt).find(
        (e) => e.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId === childId,
      ),
    );
  }

  const child = await client.workflow.getHandle(childId).fetchHistory();
  const childEvents = child.events ?? [];
  timeline.childStarted = timeOf(childEvents[0]);
  const childFirst = taskAfter(childEvents, 0);
  timeline.childFirstTaskStarted = childFirst.started;
  timeline.childFirstTaskCompleted = childFirst.completed;
  timeline.childCompleted = timeOf(childEvents.find((e) => e.workflowExecutionCompletedEventAttributes));
  const chunks = childEvents
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyDifferencesChunk')
    .map((e) => ({
      id: eventId(e),
      index: childEvents.indexOf(e),
      scheduled: timeOf(e),
      source: (decodeFirst(e.activityTaskScheduledEventAttributes?.input) as { source?: string } | undefined)
        ?.source,
    }));
  const marks = (id: number) => ({
    started: timeOf(
      childEvents.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === id),
    ),
    completed: timeOf(
      childEvents.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === id),
    ),
  });
  const categories = chunks.filter((c) => c.source === 'categories');
  const products = chunks.filter((c) => c.source === 'products');
  if (categories.length) {
    const last = categories[categories.length - 1];
    timeline.categoriesScheduled = categories[0].scheduled;
    timeline.categoriesStarted = marks(categories[0].id).started;
    timeline.categoriesCompleted = marks(last.id).completed;
    const completedAt = childEvents.findIndex(
      (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === last.id,
    );
    if (completedAt >= 0) timeline.childSecondTaskStarted = taskAfter(childEvents, completedAt).started;
  }
  if (products.length) {
    timeline.productsScheduled = products[0].scheduled;
    timeline.productsStarted = marks(products[0].id).started;
    timeline.productsCompleted = marks(products[products.length - 1].id).completed;
  }
  return timeline;
}

/** A named step of the path from publish to Occtoo, between two marks. */
export interface Stage {
  name: string;
  /** What happens in it, for the report. */
  what: string;
  from: keyof Marks;
  to: keyof Marks;
}

/** The timeline plus the benchmark's own marks. */
export type Marks = Omit<SyncTimeline, 'syncId'> & {
  /** The publish call (the webhook leaves at once). */
  published?: number;
  /** The gateway's 200 reached the simulator's webhook sender. */
  webhookAnswered?: number;
  /** First Occtoo import holding a changed product. */
  firstImport?: number;
  /** The import that completed the set: the measured latency ends here. */
  lastImport?: number;
};

/**
 * The path from publish to Occtoo, step by step; consecutive, so the stages add up to the
 * latency. "dispatch" = the server handing a task to the worker's poller; "task" = the worker
 * running workflow code until it completes the task.
 */
export const STAGES: Stage[] = [
  {
    name: 'webhook → signal',
    what: 'webhook POST, gateway checks, signal-with-start recorded',
    from: 'published',
    to: 'signalled',
  },
  {
    name: 'coord. dispatch',
    what: 'signal → coordinator workflow task started on the worker',
    from: 'signalled',
    to: 'coordinatorTaskStarted',
  },
  {
    name: 'coord. task',
    what: 'coordinator code runs, schedules lookupSyncs',
    from: 'coordinatorTaskStarted',
    to: 'coordinatorTaskCompleted',
  },
  {
    name: 'lookup dispatch',
    what: 'lookupSyncs scheduled → started on the worker',
    from: 'coordinatorTaskCompleted',
    to: 'lookupStarted',
  },
  {
    name: 'lookup run',
    what: 'lookupSyncs: GET the sync from Bluestone',
    from: 'lookupStarted',
    to: 'lookupCompleted',
  },
  {
    name: 'coord. dispatch 2',
    what: 'lookup result → coordinator workflow task started',
    from: 'lookupCompleted',
    to: 'coordinatorTask2Started',
  },
  {
    name: 'coord. task 2',
    what: 'coordinator code runs, asks for the child workflow',
    from: 'coordinatorTask2Started',
    to: 'childInitiated',
  },
  {
    name: 'child created',
    what: 'StartChildWorkflowExecution initiated → child WorkflowExecutionStarted',
    from: 'childInitiated',
    to: 'childStarted',
  },
  {
    name: 'child dispatch',
    what: "child's first workflow task started on the worker",
    from: 'childStarted',
    to: 'childFirstTaskStarted',
  },
  {
    name: 'child task',
    what: 'new workflow created on the worker, runs, schedules the categories chunk',
    from: 'childFirstTaskStarted',
    to: 'childFirstTaskCompleted',
  },
  {
    name: 'cat. dispatch',
    what: 'categories chunk scheduled → started',
    from: 'childFirstTaskCompleted',
    to: 'categoriesStarted',
  },
  {
    name: 'cat. chunk',
    what: 'categories differences page (empty here): read → completed',
    from: 'categoriesStarted',
    to: 'categoriesCompleted',
  },
  {
    name: 'child dispatch 2',
    what: 'categories result → child workflow task started',
    from: 'categoriesCompleted',
    to: 'childSecondTaskStarted',
  },
  {
    name: 'child task 2',
    what: 'child code runs, schedules the products chunk',
    from: 'childSecondTaskStarted',
    to: 'productsScheduled',
  },
  {
    name: 'prod. dispatch',
    what: 'products chunk scheduled → started',
    from: 'productsScheduled',
    to: 'productsStarted',
  },
  {
    name: 'prod. 1st import',
    what: 'differences page, by-ids read, mapping, first import landed in Occtoo',
    from: 'productsStarted',
    to: 'firstImport',
  },
  {
    name: 'prod. more pages',
    what: 'the further pages and imports, until the last changed product landed',
    from: 'firstImport',
    to: 'lastImport',
  },
];

export function stageDurations(marks: Marks): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const stage of STAGES) {
    const a = marks[stage.from];
    const b = marks[stage.to];
    out[stage.name] = a === undefined || b === undefined ? undefined : b - a;
  }
  return out;
}
