import { MockActivityEnvironment } from '@temporalio/testing';
import { createFullSyncActivities, type ChunkInput } from '../../../src/activities/full-sync';
import type { BluestoneClient } from '../../../src/bluestone/client';
import type { CursorPage, Product } from '../../../src/bluestone/types';
import { ApiError, FailureType } from '../../../src/http/api-error';
import { createLogger } from '../../../src/logger';
import type { ChunkResult, ContextPlan } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';
import { product } from '../mapping/fixtures';
import { FakeOcctoo } from '../pipeline/fake-occtoo';

/**
 * A restarted product stream (issue 17): Bluestone answers a cursor it no longer knows with the
 * stream's first page, silently (bluestone-papi.md §4.2). A product chunk notices when the first
 * page of a later read starts with the stream's head, counts it in `restarts` and warns, and
 * still pushes every product (writes are idempotent). The head travels from chunk to chunk
 * (ChunkInput.head), also through a retried attempt that resumed from its heartbeat.
 */

const EN: ContextPlan = { context: 'en', language: 'en', isDefault: true };
const IDS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
const PER_PAGE = 2;

/** Bluestone's product cursor: pages of two; a cursor it forgot restarts from the first page. */
class CursorBluestone {
  readonly products = IDS.map((id) => product({ id, name: `Product ${id}` }));
  /** Cursors Bluestone knows, with the offset each stands for. */
  private readonly cursors = new Map<string, number>();
  private issued = 0;
  /** Reads that fail with an outage, by cursor (once each). */
  readonly outageAt = new Set<string>();

  forgetCursors(): void {
    this.cursors.clear();
  }

  client(): BluestoneClient {
    return {
      productCursorPage: async (_context: string, cursor?: string): Promise<CursorPage<Product>> => {
        if (cursor !== undefined && this.outageAt.delete(cursor)) {
          throw new ApiError({
            type: FailureType.BluestoneUnavailable,
            status: 503,
            message: 'Bluestone is unavailable: 503',
            retryable: true,
          });
        }
        const offset = cursor === undefined ? 0 : (this.cursors.get(cursor) ?? 0);
        const results = this.products.slice(offset, offset + PER_PAGE);
        const next = offset + PER_PAGE;
        if (next >= this.products.length) return { results, nextCursor: null };
        const issued = `cursor-${++this.issued}`;
        this.cursors.set(issued, next);
        return { results, nextCursor: issued };
      },
    } as unknown as BluestoneClient;
  }
}

function setUp() {
  const config = testConfig({});
  const bluestone = new CursorBluestone();
  const occtoo = new FakeOcctoo();
  const warnings: string[] = [];
  const logger = createLogger({
    level: 'WARN',
    format: 'json',
    write: (line) => warnings.push((JSON.parse(line) as { msg: string }).msg),
  });
  const { syncProductChunk } = createFullSyncActivities({
    config,
    logger,
    bluestone: bluestone.client(),
    occtoo: occtoo.client(),
  });
  const chunk = (input: Partial<ChunkInput>, env = new MockActivityEnvironment()): Promise<ChunkResult> =>
    env.run(syncProductChunk, { pass: EN, maxPages: 10, ...input });
  const sentKeys = () => [...new Set(occtoo.imported('products').map((e) => e.key))].sort();
  const restartWarnings = () => warnings.filter((w) => w === 'Bluestone restarted the product stream');
  return { bluestone, occtoo, chunk, sentKeys, restartWarnings };
}

describe('a full sync notices a restarted product stream', () => {
  it('counts no restart in a stream read straight through, and reports its head', async () => {
    const { chunk, sentKeys, restartWarnings } = setUp();
    const first = await chunk({ maxPages: 1 });
    expect(first).toMatchObject({ head: 'p1', restarts: 0, done: false, pages: 1 });
    const rest = await chunk({ cursor: first.nextCursor, head: first.head });
    expect(rest).toMatchObject({ head: 'p1', restarts: 0, done: true, pages: 2 });
    expect(sentKeys()).toEqual(IDS);
    expect(restartWarnings()).toEqual([]);
  });

  it('counts a restart when a later chunk’s cursor is forgotten and the stream starts over, and still sends everything', async () => {
    const { bluestone, chunk, sentKeys, restartWarnings } = setUp();
    const first = await chunk({ maxPages: 1 });
    bluestone.forgetCursors();

    const rest = await chunk({ cursor: first.nextCursor, head: first.head });

    expect(rest.restarts).toBe(1);
    expect(rest.done).toBe(true);
    // The stream from the start again: p1-p2 twice, then on to the end.
    expect(rest.read).toBe(6);
    expect(sentKeys()).toEqual(IDS);
    expect(restartWarnings()).toHaveLength(1);
  });

  it('does not take a first chunk for a restart, nor a later one without a head', async () => {
    const { bluestone, chunk } = setUp();
    expect((await chunk({})).restarts).toBe(0);
    bluestone.forgetCursors();
    // Without a head (an older workflow's input) a restart cannot be told apart: not counted.
    expect((await chunk({ cursor: 'cursor-1' })).restarts).toBe(0);
  });

  it('keeps the head through a retried first chunk that resumed from its heartbeat', async () => {
    const { bluestone, chunk, sentKeys, restartWarnings } = setUp();
    // Attempt 1 pushes the first page, then Bluestone is down: the chunk fails, retryably.
    bluestone.outageAt.add('cursor-1');
    const attempt1 = new MockActivityEnvironment({ attempt: 1 });
    const beats: unknown[] = [];
    attempt1.on('heartbeat', (d: unknown) => beats.push(d));
    await expect(chunk({ maxPages: 2 }, attempt1)).rejects.toMatchObject({ type: 'BluestoneUnavailable' });
    expect(beats.at(-1)).toMatchObject({ pages: 1, cursor: 'cursor-1' });

    // Attempt 2 resumes after page 1 and ends the chunk: the next chunk still knows the head.
    const attempt2 = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: beats.at(-1) });
    const first = await chunk({ maxPages: 2 }, attempt2);
    expect(first).toMatchObject({ pages: 2, head: 'p1', restarts: 0 });

    bluestone.forgetCursors();
    const rest = await chunk({ cursor: first.nextCursor, head: first.head });
    expect(rest.restarts).toBe(1);
    expect(sentKeys()).toEqual(IDS);
    expect(restartWarnings()).toHaveLength(1);
  });
});
