import type { Config } from '../config';
import { slotOf, type PropertySlot, type SentEntity } from '../state/record';
import { time } from './format';
import type { MappingNow } from './why-now';

/**
 * `why`'s record part: per language, what was last sent for the product (from the record) beside
 * what the mapping would send now, and what a sync would therefore do.
 */

export interface LastSent {
  source: string;
  key: string;
  /** ISO time it was recorded. */
  at?: string;
  runId: string;
  fullSyncRunId?: string;
  lastUpdate?: string;
  properties: PropertySlot[];
}

export interface LanguageComparison {
  language: string;
  /** The Bluestone context of this language's pass. */
  context?: string;
  lastSent: LastSent | null;
  /** The property slots the mapping sends now; null when it sends no entity in this language. */
  now: PropertySlot[] | null;
  difference: {
    /** Sent now, not last time. */
    added: PropertySlot[];
    /** Sent last time, missing now: a sync sends them with null (CLEAR_WITH). */
    cleared: PropertySlot[];
    /** Sent both times (the record keeps a hash, not values: which of them changed is not known). */
    kept: number;
    /** The mapped content differs from what Occtoo last accepted: a sync sends it again. */
    changed: boolean;
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function lastSentOf(e: SentEntity): LastSent {
  return {
    source: e.source,
    key: e.key,
    at: iso(e.recordedAt),
    runId: e.runId,
    ...(e.fullSyncRunId ? { fullSyncRunId: e.fullSyncRunId } : {}),
    ...(e.lastUpdate !== undefined ? { lastUpdate: iso(e.lastUpdate) } : {}),
    properties: [...e.properties].sort(),
  };
}

/** One comparison per language: every configured pass, plus languages only the record knows. */
export function compareWithRecord(
  now: readonly MappingNow[],
  recorded: readonly SentEntity[],
  config: Config,
): LanguageComparison[] {
  const products = recorded.filter((e) => e.kind === 'product' && e.source === config.occtoo.productsSource);
  const languages = [...new Set([...now.map((n) => n.language), ...products.map((e) => e.language)])];
  return languages.map((language) => {
    const pass = now.find((n) => n.language === language);
    const last = products.find((e) => e.language === language);
    // A filtered or unserved product is not pushed: there is nothing to compare with.
    const pushes = pass !== undefined && pass.served && !pass.filtered && !pass.setAside;
    const sends = pushes && pass.properties;
    const nowSlots = sends ? [...new Set(pass.properties!.map(slotOf))].sort() : null;
    const nowHash = sends ? pass.hash : undefined;
    const before = new Set(last?.properties ?? []);
    const current = new Set(nowSlots ?? []);
    return {
      language,
      context: pass?.context,
      lastSent: last ? lastSentOf(last) : null,
      now: nowSlots,
      difference: {
        added: [...current].filter((s) => !before.has(s)).sort(),
        // Only a pass that pushes an entity (or would push only nulls) clears anything.
        cleared: pushes ? [...before].filter((s) => !current.has(s)).sort() : [],
        kept: [...current].filter((s) => before.has(s)).length,
        // A pass that maps to nothing now still sends the nulls of what it sent before.
        changed:
          nowHash !== undefined ? nowHash !== last?.hash : pushes && (last?.properties.length ?? 0) > 0,
      },
    };
  });
}

const list = (slots: readonly string[]) => (slots.length ? slots.join(', ') : '-');

export function comparisonLines(comparisons: readonly LanguageComparison[]): string[] {
  const lines: string[] = [];
  for (const c of comparisons) {
    lines.push(`  ${c.language}${c.context ? ` (context ${c.context})` : ''}:`);
    const last = c.lastSent;
    if (last) {
      lines.push(
        `    last sent:  ${time(last.at)} by run ${last.runId}${last.fullSyncRunId && last.fullSyncRunId !== last.runId ? ` (last seen by full sync run ${last.fullSyncRunId})` : ''}`,
        `                key ${last.key}, ${last.properties.length} properties${last.lastUpdate ? `, Bluestone lastUpdate ${time(last.lastUpdate)}` : ''}`,
      );
    } else {
      lines.push('    last sent:  nothing recorded in this language');
    }
    lines.push(
      c.now ? `    now:        ${c.now.length} properties` : '    now:        no entity in this language',
    );
    lines.push(
      `    content:    ${c.difference.changed ? 'changed: a sync sends it' : 'unchanged: a sync skips it'}${c.difference.kept ? ` (${c.difference.kept} properties kept)` : ''}`,
    );
    lines.push(`    added:      ${list(c.difference.added)}`);
    lines.push(
      `    cleared:    ${list(c.difference.cleared)}${c.difference.cleared.length ? ' (sent as null)' : ''}`,
    );
  }
  return lines;
}
