/** The backlog benchmark's checks on what it observed: pure functions, no I/O. */

export interface OrderFigures {
  /** Items in the observed sequence. */
  observed: number;
  /** Adjacent pairs applied newer before older. */
  inversions: number;
  /** Whether the sequence is exactly 0, 1, 2, … (every sync, once, oldest first). */
  exact: boolean;
  /** The first few inversions, as positions and the sync indexes found there. */
  examples: { position: number; before: number; after: number }[];
}

/**
 * How far a sequence of sync indexes (0 = the oldest sync) is from creation order. `expected`
 * is how many there should be: a missing or repeated one makes it inexact too.
 */
export function orderFigures(sequence: readonly number[], expected: number, maxExamples = 5): OrderFigures {
  const examples: OrderFigures['examples'] = [];
  let inversions = 0;
  for (let i = 1; i < sequence.length; i++) {
    if (sequence[i] < sequence[i - 1]) {
      inversions++;
      if (examples.length < maxExamples)
        examples.push({ position: i, before: sequence[i - 1], after: sequence[i] });
    }
  }
  const exact = sequence.length === expected && sequence.every((v, i) => v === i);
  return { observed: sequence.length, inversions, exact, examples };
}

/** Sync indexes in the order their products first appear in Occtoo's import log. */
export function firstAppearances(
  importedKeys: readonly (readonly string[])[],
  syncOfKey: ReadonlyMap<string, number>,
): number[] {
  const seen = new Set<number>();
  const order: number[] = [];
  for (const keys of importedKeys) {
    for (const key of keys) {
      const sync = syncOfKey.get(key);
      if (sync === undefined || seen.has(sync)) continue;
      seen.add(sync);
      order.push(sync);
    }
  }
  return order;
}

/** Runs that started before the previous one closed (the coordinator applies one at a time). */
export function overlaps(runs: readonly { startTime: number; closeTime?: number }[]): number {
  let count = 0;
  for (let i = 1; i < runs.length; i++) {
    const previousClose = runs[i - 1].closeTime;
    if (previousClose === undefined || runs[i].startTime < previousClose) count++;
  }
  return count;
}

/** Fisher–Yates with a seeded random source. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
