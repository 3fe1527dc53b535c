/**
 * Reconciliation (issue #13): what a full sync that read a whole source removes from Occtoo, the
 * guard against removing too much at once (PRUNE_MAX_PERCENT), and the dry run's report. Types
 * and pure code, shared by activities, workflows, the gateway and the CLI.
 */

/** Keys named in reports, per count. */
export const RECONCILE_SAMPLE_SIZE = 10;

/** A count, with a few of the Occtoo keys counted (the first in key order). */
export interface KeyTally {
  count: number;
  samples: string[];
}

/** What reconciliation removes (or would remove) from one Occtoo data source. */
export interface SourceReconciliation {
  /** Occtoo data source. */
  source: string;
  kind: 'products' | 'categories' | 'media';
  /** Entities (keys) the record held for it in the languages read. */
  recorded: number;
  /** Entities deleted: served in none of the contexts read (media: referenced by no entity read). */
  deleted: KeyTally;
  /** Per language: entities whose values in that language are cleared (no longer served in its context). */
  cleared: (KeyTally & { language: string; recorded: number })[];
  /** Deletes and clears Occtoo refused: kept in the record, tried again by the next full sync. */
  refused?: KeyTally;
  /**
   * Still served: kept. Deletes and language clears not done because Bluestone still serves the
   * entity when read by id (its listing missed it, e.g. a cursor that skipped products); one per
   * key and action. Left in the record as they were: the next full sync sees or confirms them.
   */
  stillServed?: KeyTally;
  /** Occtoo media files deleted with their media entities (HANDLE_MEDIA=occtoo). */
  filesDeleted?: number;
}

export interface Reconciliation {
  /**
   * `planned`: counted, nothing removed yet (a dry run stays there); `done`: removed;
   * `refused`: over PRUNE_MAX_PERCENT, nothing removed.
   */
  state: 'planned' | 'done' | 'refused';
  sources: SourceReconciliation[];
  /** Sources left alone, and why (not read whole, MEDIA_DELETE off, no record). */
  skipped: { source: string; reason: string }[];
  /** PRUNE_MAX_PERCENT of the worker that counted. */
  maxPercent: number;
  /**
   * Over PRUNE_MAX_PERCENT: what and how much. With `refused`; in a dry run, what would stop a
   * real one; with `done`, what allowMassDelete let through.
   */
  refusal?: string;
}

/** What a dry run found: what a full sync would send, clear and delete, and touched nothing. */
export interface DryRunReport {
  /** Per data source and language: entities it would send (new or changed), with samples. */
  sends: (KeyTally & { source: string; language: string; clearing: number })[];
  /** Media files it would upload (HANDLE_MEDIA=occtoo). */
  mediaUploads: number;
  /** What reconciliation would delete and clear; absent when the record is off. */
  reconciliation?: Reconciliation;
}

/** The share of `recorded` that `count` is, in percent, one decimal. */
export function percentOf(count: number, recorded: number): number {
  return recorded === 0 ? 0 : Math.round((count * 1000) / recorded) / 10;
}

/** True when removing `count` of `recorded` entities is more than `maxPercent` of them. */
export function overPruneLimit(count: number, recorded: number, maxPercent: number): boolean {
  return count > 0 && count * 100 > maxPercent * recorded;
}

/**
 * Why reconciliation must not run (a transient Bluestone problem looks like a catalog that
 * shrank): every source or language where it would delete or clear more than PRUNE_MAX_PERCENT
 * of what the record holds, with counts and samples. Undefined when it may run.
 */
export function pruneRefusal(what: string, plan: Reconciliation): string | undefined {
  const over: string[] = [];
  const line = (action: string, tally: KeyTally, recorded: number, where: string) =>
    `${action} ${tally.count} of ${recorded} entities (${percentOf(tally.count, recorded)} %) ${where}, e.g. ${tally.samples.join(', ')}`;
  for (const s of plan.sources) {
    if (overPruneLimit(s.deleted.count, s.recorded, plan.maxPercent))
      over.push(line('delete', s.deleted, s.recorded, `in ${s.source}`));
    for (const c of s.cleared) {
      if (overPruneLimit(c.count, c.recorded, plan.maxPercent))
        over.push(line(`clear the ${c.language} values of`, c, c.recorded, `in ${s.source}`));
    }
  }
  if (over.length === 0) return undefined;
  return `${what} would ${over.join('; and ')}: more than PRUNE_MAX_PERCENT=${plan.maxPercent} %, so nothing was deleted or cleared. If Bluestone really no longer publishes them, run it again with --allow-mass-delete (workflow input allowMassDelete); if Bluestone served too little by mistake, a later full sync puts things right.`;
}

/** Reconciliation's totals over every source: deleted and cleared entities. */
export function reconciliationTotals(plan: Reconciliation): { deleted: number; cleared: number } {
  return plan.sources.reduce(
    (t, s) => ({
      deleted: t.deleted + s.deleted.count,
      cleared: t.cleared + s.cleared.reduce((n, c) => n + c.count, 0),
    }),
    { deleted: 0, cleared: 0 },
  );
}
