/**
 * What a run set aside, summed up: the reasons (bounded, so they fit in workflow history) and
 * whether so much was set aside that the run must fail (SET_ASIDE_MAX_PERCENT). Pure code, shared
 * by activities and workflows.
 */
import type { SetAsideEntity, SetAsideReason } from './sync-types';

/** Distinct reasons kept; later ones are counted in the total only. */
export const SET_ASIDE_REASON_CAP = 10;
/** Entities named per reason. */
export const SET_ASIDE_SAMPLE_CAP = 3;
/** Characters kept of a reason (Occtoo's messages can list a whole batch). */
export const SET_ASIDE_REASON_CHARS = 300;

/** Merges reasons into a bounded list: the same source and reason add up, samples stay few. */
export function addSetAsideReasons(
  list: readonly SetAsideReason[] | undefined,
  added: readonly SetAsideReason[],
): SetAsideReason[] {
  const merged = (list ?? []).map((r) => ({ ...r, samples: [...r.samples] }));
  for (const a of added) {
    const same = merged.find((r) => r.source === a.source && r.reason === a.reason);
    if (same) {
      same.count += a.count;
      const more = a.samples.filter((s) => !same.samples.includes(s));
      same.samples = [...same.samples, ...more].slice(0, SET_ASIDE_SAMPLE_CAP);
    } else if (merged.length < SET_ASIDE_REASON_CAP) {
      merged.push({ ...a, samples: a.samples.slice(0, SET_ASIDE_SAMPLE_CAP) });
    }
  }
  return merged;
}

/** The reasons of set-aside entities, grouped. */
export function setAsideReasonsOf(entities: readonly SetAsideEntity[]): SetAsideReason[] {
  return addSetAsideReasons(
    [],
    entities.map((e) => ({ source: e.source, reason: reasonText(e), count: 1, samples: [e.id] })),
  );
}

/**
 * A reason as grouped: Occtoo names the entity it rejected in its message, so the entity's own
 * id is blanked out there (it is kept as a sample) and one rejection of many entities reads as
 * one reason.
 */
function reasonText(entity: SetAsideEntity): string {
  const reason = entity.id.length >= 3 ? entity.reason.split(entity.id).join('<key>') : entity.reason;
  return reason.length > SET_ASIDE_REASON_CHARS ? `${reason.slice(0, SET_ASIDE_REASON_CHARS - 1)}…` : reason;
}

/** What a run did, as far as the set-aside limit is concerned. */
export interface SetAsideTally {
  /** Entities the run handled: sent, found unchanged, deleted or set aside (see handledCount). */
  handled: number;
  setAside: number;
  reasons: readonly SetAsideReason[];
}

/**
 * Entities that a run (or a chunk of it) brought to Occtoo's current state: sent (media too),
 * deleted, or found unchanged, which Occtoo already holds as they should be. The limit compares
 * set-aside entities with these plus themselves, so that one product Occtoo keeps rejecting fails
 * no run that found the rest of the catalog unchanged, while a run whose every send is rejected does.
 */
export function handledCount(counts: {
  sent: number;
  unchanged?: number;
  mediaSent?: number;
  deleted?: number;
}): number {
  return counts.sent + (counts.unchanged ?? 0) + (counts.mediaSent ?? 0) + (counts.deleted ?? 0);
}

/** The share set aside, in percent (0 when nothing was handled). */
export function setAsidePercent(tally: Pick<SetAsideTally, 'handled' | 'setAside'>): number {
  return tally.handled > 0 ? (tally.setAside / tally.handled) * 100 : 0;
}

/** True when more than `maxPercent` of what the run handled was set aside. */
export function overSetAsideLimit(tally: SetAsideTally, maxPercent: number): boolean {
  return tally.setAside > 0 && setAsidePercent(tally) > maxPercent;
}

/** The failure message of a run over the limit: the count, the share and the reasons. */
export function tooManySetAsideMessage(what: string, tally: SetAsideTally, maxPercent: number): string {
  const percent = Math.round(setAsidePercent(tally) * 10) / 10;
  const reasons = tally.reasons.map(
    (r) => `${r.source} ×${r.count}: ${r.reason} (e.g. ${r.samples.join(', ')})`,
  );
  const listed = tally.reasons.reduce((n, r) => n + r.count, 0);
  if (listed < tally.setAside) reasons.push(`${tally.setAside - listed} more for other reasons`);
  return (
    `${what} set aside ${tally.setAside} (${percent} %) of the ${tally.handled} entities it handled (sent, found unchanged or set aside), ` +
    `more than SET_ASIDE_MAX_PERCENT (${maxPercent} %). So many point to one cause (a data source's ` +
    `rules or schema changed in Occtoo, or a mapping setting), not to a few bad products: fix it, then ` +
    `run the sync again. Reasons: ${reasons.join('; ')}`
  );
}
