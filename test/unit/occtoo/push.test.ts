import { ApiError, FailureType } from '../../../src/http/api-error';
import { clearOcctooCaches, OcctooClient } from '../../../src/occtoo/client';
import { pushEntities, REJECTED_WITH_BATCH, SYSTEMIC_REJECTION_SAMPLE } from '../../../src/occtoo/push';
import type { OcctooEntity } from '../../../src/occtoo/types';
import { startOcctooSim, type OcctooSim } from '../../../src/sim/occtoo-sim';

const entity = (key: string): OcctooEntity => ({
  key,
  properties: [{ id: 'Name', value: `name of ${key}`, language: 'en' }],
});
const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);

/**
 * Occtoo as pushEntities meets it: an import holding one bad entity is rejected whole with a 400
 * (occtoo-ingest.md §4); the others are stored. Counts every request.
 */
class RejectingOcctoo {
  readonly stored = new Set<string>();
  readonly requests: string[][] = [];
  constructor(private readonly bad: Set<string>) {}

  client(): OcctooClient {
    const fake: Pick<OcctooClient, 'importEntities'> = {
      importEntities: async (_source, entities) => {
        const keys = entities.map((e) => e.key);
        this.requests.push(keys);
        // Answers arrive in a later turn, as over HTTP, so that batches in flight interleave.
        await new Promise((resolve) => setImmediate(resolve));
        const bad = keys.filter((k) => this.bad.has(k));
        if (bad.length > 0) {
          throw new ApiError({
            type: FailureType.OcctooBadRequest,
            message: `Occtoo rejected import products (400): Invalid request - properties: Weight must be a number: ${bad.join(', ')}`,
            status: 400,
            retryable: false,
          });
        }
        for (const k of keys) this.stored.add(k);
        return { accepted: keys.length, batches: 1, rejected: [], importIds: [] };
      },
    };
    return fake as OcctooClient;
  }
}

async function push(
  keys: string[],
  bad: string[],
  options: { batchSize?: number; concurrency?: number } = {},
) {
  const occtoo = new RejectingOcctoo(new Set(bad));
  const result = await pushEntities(occtoo.client(), 'products', keys.map(entity), {
    batchSize: options.batchSize ?? 50,
    concurrency: options.concurrency ?? 4,
  });
  return { occtoo, result, setAsideKeys: result.setAside.map((s) => s.key).sort() };
}

describe('pushEntities: isolating what Occtoo rejects', () => {
  it('sends everything in one request when Occtoo takes it all', async () => {
    const { occtoo, result } = await push(keysOf(50), []);
    expect(result).toEqual({ sent: 50, setAside: [] });
    expect(occtoo.requests).toHaveLength(1);
  });

  it('sets aside the one bad entity among 50 and sends the other 49, in a few requests', async () => {
    const keys = keysOf(50);
    const { occtoo, result, setAsideKeys } = await push(keys, ['p37']);
    expect(result.sent).toBe(49);
    expect(setAsideKeys).toEqual(['p37']);
    expect([...occtoo.stored].sort()).toEqual(keys.filter((k) => k !== 'p37'));
    expect(result.setAside[0].reason).toMatch(/^Occtoo rejected it: .*Weight must be a number: p37$/);
    // Halving: the whole batch, then two halves per level down to the entity (50→25→13→7→4→2→1).
    expect(occtoo.requests.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(50)));
    // Nothing good is sent twice.
    const sentTwice = keys.filter(
      (k) => occtoo.requests.filter((r) => r.length === 1 && r[0] === k).length > 1,
    );
    expect(sentTwice).toEqual([]);
  });

  it('isolates alternating good and bad entities: every good one sent, every bad one set aside', async () => {
    const keys = keysOf(50);
    const bad = keys.filter((_, i) => i % 2 === 1);
    const { occtoo, result, setAsideKeys } = await push(keys, bad);
    expect(result.sent).toBe(25);
    expect(setAsideKeys).toEqual(bad);
    expect([...occtoo.stored].sort()).toEqual(keys.filter((k) => !bad.includes(k)));
    // Good entities were accepted along the way, so every bad one was tried alone: at most 2n − 1.
    for (const s of result.setAside) expect(s.reason).toMatch(/^Occtoo rejected it: /);
    expect(occtoo.requests.length).toBeLessThanOrEqual(2 * 50 - 1);
  });

  it('sets aside a batch of bad entities without trying each alone (a systemic rejection)', async () => {
    const keys = keysOf(50);
    const { occtoo, result, setAsideKeys } = await push(keys, keys);
    expect(result.sent).toBe(0);
    expect(setAsideKeys).toEqual(keys);
    expect(occtoo.stored.size).toBe(0);
    const alone = result.setAside.filter((s) => s.reason.startsWith('Occtoo rejected it: '));
    expect(alone.length).toBeGreaterThanOrEqual(SYSTEMIC_REJECTION_SAMPLE);
    expect(alone.length).toBeLessThan(10);
    expect(result.setAside.filter((s) => s.reason === REJECTED_WITH_BATCH)).toHaveLength(50 - alone.length);
    // Down to the first few entities (about 2·log2(n) requests each), then one per rejected batch:
    // far fewer than the 2n − 1 = 99 of isolating every entity.
    expect(occtoo.requests.length).toBeLessThanOrEqual(20);
  });

  it('stays bounded when every batch of a larger push is bad, batches in flight side by side', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `k${i}`);
    const { occtoo, result } = await push(keys, keys, { batchSize: 50, concurrency: 4 });
    expect(result.sent).toBe(0);
    expect(result.setAside).toHaveLength(400);
    expect(new Set(result.setAside.map((s) => s.key)).size).toBe(400);
    // The four batches in flight split down to single entities side by side (about 15 requests
    // each) before the push turns systemic; then one request per rejected batch. Isolating every
    // entity would take 8 × 99.
    expect(occtoo.requests.length).toBeLessThanOrEqual(70);
  });

  it('keeps isolating in a push where Occtoo accepted something, however many it rejects', async () => {
    // Ten bad entities side by side at the end: the good first half is accepted before any is
    // rejected alone, so all ten are isolated, though more than SYSTEMIC_REJECTION_SAMPLE.
    const keys = keysOf(50);
    const bad = keys.slice(40);
    const { occtoo, result, setAsideKeys } = await push(keys, bad);
    expect(result.sent).toBe(40);
    expect(setAsideKeys).toEqual(bad);
    expect(result.setAside.every((s) => s.reason.startsWith('Occtoo rejected it: '))).toBe(true);
    expect([...occtoo.stored].sort()).toEqual(keys.slice(0, 40));
  });

  it('passes other failures through: an Occtoo 403 is no bad entity', async () => {
    const client: Pick<OcctooClient, 'importEntities'> = {
      importEntities: async () => {
        throw new ApiError({
          type: FailureType.OcctooForbidden,
          message: 'no write access',
          retryable: false,
        });
      },
    };
    await expect(
      pushEntities(client as OcctooClient, 'products', keysOf(3).map(entity), {
        batchSize: 50,
        concurrency: 1,
      }),
    ).rejects.toMatchObject({ type: FailureType.OcctooForbidden });
  });
});

describe('pushEntities against the simulated Occtoo', () => {
  let sim: OcctooSim;
  let client: OcctooClient;

  beforeAll(async () => {
    sim = await startOcctooSim({ providers: [{ id: 'provider', secret: 'secret', allowedSources: ['*'] }] });
    client = new OcctooClient({
      baseUrl: sim.url,
      dataProviderId: 'provider',
      dataProviderSecret: 'secret',
      retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
    });
  });
  afterEach(() => sim.rejectEntities('products'));
  afterAll(async () => {
    client.close();
    clearOcctooCaches();
    await sim.close();
  });

  it('sets aside exactly the entities the data source rejects, and Occtoo holds the rest', async () => {
    sim.reset();
    sim.rejectEntities('products', { keys: ['p07', 'p31'], message: "Property 'Weight' is a number" });
    const keys = keysOf(50);
    const result = await pushEntities(client, 'products', keys.map(entity), {
      batchSize: 50,
      concurrency: 2,
    });
    expect(result.sent).toBe(48);
    expect(result.setAside.map((s) => s.key).sort()).toEqual(['p07', 'p31']);
    expect(result.setAside[0].reason).toContain("Property 'Weight' is a number");
    expect([...sim.entities('products').keys()].sort()).toEqual(
      keys.filter((k) => k !== 'p07' && k !== 'p31'),
    );
  });

  it('rejects every entity of a source when the rule names none, and lets deletes and other sources pass', async () => {
    sim.reset();
    sim.rejectEntities('products', {});
    const rejected = await pushEntities(client, 'products', keysOf(20).map(entity), {
      batchSize: 50,
      concurrency: 2,
    });
    expect(rejected.sent).toBe(0);
    expect(rejected.setAside).toHaveLength(20);
    const deleted = await pushEntities(client, 'products', [{ key: 'p01', delete: true, properties: [] }], {
      batchSize: 50,
      concurrency: 1,
    });
    expect(deleted).toEqual({ sent: 1, setAside: [] });
    const other = await pushEntities(client, 'categories', keysOf(3).map(entity), {
      batchSize: 50,
      concurrency: 1,
    });
    expect(other.sent).toBe(3);
    expect(sim.entities('products').size).toBe(0);
  });
});
