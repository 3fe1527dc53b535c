import { ApiError, FailureType } from '../../../src/http/api-error';
import type { OcctooClient } from '../../../src/occtoo/client';
import { pushEntities } from '../../../src/occtoo/push';
import type { OcctooEntity } from '../../../src/occtoo/types';

/**
 * pushEntities' 400 branch beyond one batch (issue 17; push.test.ts covers one batch): Occtoo
 * rejects a whole import for one bad entity (occtoo-ingest.md §4), so the batch holding it is
 * split until the bad entity is alone. The other batches of the push go once each; the bad entity
 * is set aside with Occtoo's reason, next to entities set aside before sending; and trouble that
 * is not a 400 while splitting fails the push (to be retried) instead of setting anything aside.
 */

const entity = (key: string): OcctooEntity => ({
  key,
  properties: [{ id: 'Name', value: `name of ${key}`, language: 'en' }],
});
const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `k${String(i + 1).padStart(2, '0')}`);

const badRequest = (keys: string[]) =>
  new ApiError({
    type: FailureType.OcctooBadRequest,
    status: 400,
    message: `Occtoo rejected import products (400): Invalid request - properties: Weight must be a number: ${keys.join(', ')}`,
    retryable: false,
  });

/** Occtoo's import: a 400 for a payload with a bad key, else stored; `outage` answers 503 once, for a payload of that size. */
function scriptedOcctoo(bad: Set<string>, outage?: { size: number }) {
  const stored: string[] = [];
  const requests: string[][] = [];
  const client = {
    importEntities: async (_source: string, entities: OcctooEntity[]) => {
      const keys = entities.map((e) => e.key);
      requests.push(keys);
      await new Promise((resolve) => setImmediate(resolve));
      if (outage && keys.length === outage.size) {
        outage = undefined;
        throw new ApiError({
          type: FailureType.OcctooUnavailable,
          status: 503,
          message: 'Occtoo is unavailable: 503',
          retryable: true,
        });
      }
      const rejected = keys.filter((k) => bad.has(k));
      if (rejected.length) throw badRequest(rejected);
      stored.push(...keys);
      return { accepted: keys.length, batches: 1, rejected: [], importIds: [] };
    },
  } as unknown as OcctooClient;
  return { client, stored, requests };
}

describe('pushEntities: a 400 in one batch of several', () => {
  it('sends the other batches once each, isolates the bad entity, and sets it aside with the reason', async () => {
    const keys = keysOf(40);
    const occtoo = scriptedOcctoo(new Set(['k27']));

    const result = await pushEntities(occtoo.client, 'products', keys.map(entity), {
      batchSize: 10,
      concurrency: 3,
    });

    expect(result.sent).toBe(39);
    expect(result.setAside).toEqual([
      {
        key: 'k27',
        reason:
          'Occtoo rejected it: Occtoo rejected import products (400): Invalid request - properties: Weight must be a number: k27',
      },
    ]);
    expect(occtoo.stored.sort()).toEqual(keys.filter((k) => k !== 'k27'));
    // Every good entity stored exactly once: nothing of the good batches was sent again.
    expect(new Set(occtoo.stored).size).toBe(occtoo.stored.length);
    // The four batches, then the halves of the third down to k27: 10→5→3→2→1 (two requests a level).
    expect(occtoo.requests.slice(0, 4).map((r) => r.length)).toEqual([10, 10, 10, 10]);
    expect(occtoo.requests.length).toBeLessThanOrEqual(4 + 2 * Math.ceil(Math.log2(10)));
  });

  it('sets aside, each with its own reason, what fails the rules before sending and what Occtoo rejects', async () => {
    const occtoo = scriptedOcctoo(new Set(['k02']));
    const invalid: OcctooEntity = { key: 'k 03', properties: [{ id: 'Name', value: 'bad key' }] };

    const result = await pushEntities(occtoo.client, 'products', [entity('k01'), entity('k02'), invalid], {
      batchSize: 50,
      concurrency: 1,
    });

    expect(result.sent).toBe(1);
    expect(occtoo.stored).toEqual(['k01']);
    expect(result.setAside.map((s) => s.key).sort()).toEqual(['k 03', 'k02']);
    expect(result.setAside.find((s) => s.key === 'k02')!.reason).toMatch(/^Occtoo rejected it: .*k02$/);
    expect(result.setAside.find((s) => s.key === 'k 03')!.reason).not.toMatch(/^Occtoo rejected it/);
    // The invalid entity never reached Occtoo.
    expect(occtoo.requests.flat()).not.toContain('k 03');
  });

  it('fails the push, retryably, when Occtoo is unavailable while a rejected batch is split', async () => {
    const keys = keysOf(10);
    // The whole batch is a 400; its first half (5) then meets a 503.
    const occtoo = scriptedOcctoo(new Set(['k09']), { size: 5 });

    await expect(
      pushEntities(occtoo.client, 'products', keys.map(entity), { batchSize: 10, concurrency: 1 }),
    ).rejects.toMatchObject({ type: FailureType.OcctooUnavailable, retryable: true });
    expect(occtoo.requests.map((r) => r.length)).toEqual([10, 5]);
  });
});
