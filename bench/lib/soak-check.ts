/**
 * The soak's end: waiting until the service is quiet (no workflow running but the coordinator,
 * and the coordinator idle), and comparing Occtoo with the catalog entity by entity.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../../src/config';
import { coordinatorStateQuery } from '../../src/shared/messages';
import { syncCoordinatorWorkflowId, type CoordinatorState } from '../../src/shared/sync-types';
import { compareSource, expectedOcctooState, type SourceState } from '../../src/sim/expected-state';
import type { Simulators } from '../../src/sim/main';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Quiet {
  quiet: boolean;
  /** What was still running (or busy) when waiting gave up. */
  busy: string[];
  coordinator?: CoordinatorState;
}

/** What is still running on the task queue, and the coordinator's state; throws while Temporal is away. */
async function busyNow(client: Client, taskQueue: string): Promise<Omit<Quiet, 'quiet'>> {
  const coordinatorId = syncCoordinatorWorkflowId(taskQueue);
  const busy: string[] = [];
  let coordinatorRunning = false;
  for await (const w of client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  })) {
    if (w.workflowId === coordinatorId) coordinatorRunning = true;
    else busy.push(`${w.type} ${w.workflowId}`);
  }
  let coordinator: CoordinatorState | undefined;
  if (coordinatorRunning) {
    coordinator = await client.workflow.getHandle(coordinatorId).query(coordinatorStateQuery);
    const waiting = coordinator.pending.length + (coordinator.toLookUp ?? 0);
    if (coordinator.applying || waiting > 0) {
      busy.push(`coordinator: applying ${coordinator.applying ?? 'nothing'}, ${waiting} waiting`);
    }
  }
  return { busy, coordinator };
}

/** Waits until nothing is busy twice in a row, a second apart; gives up at `deadline`. */
export async function waitForQuiet(client: Client, taskQueue: string, deadline: number): Promise<Quiet> {
  let last: Omit<Quiet, 'quiet'> = { busy: ['not asked yet'] };
  let quietOnce = false;
  while (Date.now() < deadline) {
    try {
      last = await busyNow(client, taskQueue);
      if (last.busy.length === 0) {
        if (quietOnce) return { quiet: true, ...last };
        quietOnce = true;
      } else {
        quietOnce = false;
      }
    } catch (err) {
      quietOnce = false;
      last = { busy: [`Temporal did not answer: ${String(err)}`] };
    }
    await sleep(1_000);
  }
  return { quiet: false, ...last };
}

export interface EntityDifference {
  source: 'products' | 'categories' | 'media';
  key: string;
  problems: string[];
  /**
   * What happened to it, in order: Bluestone's syncs that list it (`sync <context> <diff>`) and
   * Occtoo's imports that held it (`import <source>`), as ISO times.
   */
  timeline?: string[];
}

export interface Comparison {
  /** Entities compared: every expected one, and every one Occtoo holds that nothing expects. */
  compared: number;
  differing: EntityDifference[];
  /** Media keys of unpublished or archived products, left out (MEDIA_DELETE off keeps them). */
  ignoredMedia: number;
}

/** Occtoo's simulator against what the catalog maps to now, entity by entity. */
export function compareOcctooWithCatalog(
  sims: Simulators,
  config: Config,
  keptMedia: ReadonlySet<string>,
): Comparison {
  const expected = expectedOcctooState(sims.catalog, config, sims.occtoo.mediaFiles());
  const actual = {
    products: sims.occtoo.entities(config.occtoo.productsSource),
    categories: sims.occtoo.entities(config.occtoo.categoriesSource),
    media: sims.occtoo.entities(config.occtoo.mediaSource),
  };
  let ignoredMedia = 0;
  for (const key of keptMedia) {
    // A medium the catalog still uses elsewhere is compared as usual.
    if (!expected.media.has(key) && actual.media.delete(key)) ignoredMedia++;
  }
  const differing: EntityDifference[] = [];
  let compared = 0;
  for (const source of ['products', 'categories', 'media'] as const) {
    const want = expected[source];
    const have = actual[source];
    const one = (state: SourceState, key: string): SourceState =>
      state.has(key) ? new Map([[key, state.get(key)!]]) : new Map();
    for (const key of new Set([...want.keys(), ...have.keys()])) {
      compared++;
      const problems = compareSource(source, one(want, key), one(have, key), Number.POSITIVE_INFINITY);
      if (problems.length > 0) differing.push({ source, key, problems });
    }
  }
  for (const d of differing.slice(0, TIMELINES)) d.timeline = timelineOf(sims, d.key);
  return { compared, differing, ignoredMedia };
}

/** Timelines are gathered for this many differing entities. */
const TIMELINES = 20;

/** Syncs listing `key` (as a Bluestone id) and imports holding it, oldest first. */
function timelineOf(sims: Simulators, key: string): string[] {
  const events: { at: number; what: string }[] = [];
  for (const { info, differences } of sims.bluestone.ledger.list()) {
    for (const [type, diffs] of Object.entries(differences)) {
      const diff = diffs.find((d) => d.id === key);
      if (diff)
        events.push({
          at: info.createdAt,
          what: `sync ${info.contextId} ${type} ${diff.diffType} ${info.id}`,
        });
    }
  }
  for (const entry of sims.occtoo.imports) {
    if (entry.keys.includes(key)) {
      const deletes = entry.deletes ? `, ${entry.deletes} of them deletes` : '';
      events.push({
        at: Date.parse(entry.at),
        what: `import ${entry.source} (${entry.count} entities${deletes})`,
      });
    }
  }
  return events.sort((a, b) => a.at - b.at).map((e) => `${new Date(e.at).toISOString()} ${e.what}`);
}
