/**
 * The coordinator's lookups, notice by notice: what Bluestone refuses for good fails that sync
 * only; an outage throws (to be retried), and the retry resumes from the heartbeat.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIncrementalSyncActivities } from '../../../src/activities/incremental-sync';
import type { BluestoneClient } from '../../../src/bluestone/client';
import type { SyncInfo } from '../../../src/bluestone/types';
import { createLogger } from '../../../src/logger';
import type { OcctooClient } from '../../../src/occtoo/client';
import { ApiError, FailureType } from '../../../src/http/api-error';
import type { SyncLookup } from '../../../src/shared/sync-types';
import { testConfig } from '../../support/config';

const config = testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv' });

function apiError(type: FailureType, status: number, message: string, retryable = false): ApiError {
  return new ApiError({ type, status, message, retryable });
}

/** Bluestone's answers by sync id: a sync (context, creation time) or an error to throw. */
function lookups(answers: Record<string, Partial<SyncInfo> | Error>) {
  const asked: string[] = [];
  const bluestone = {
    async getSync(id: string): Promise<SyncInfo> {
      asked.push(id);
      const answer = answers[id];
      if (answer instanceof Error) throw answer;
      if (!answer) throw apiError(FailureType.BluestoneNotFound, 404, `Bluestone has no sync "${id}"`);
      return { id, createdAt: 1_000, ...answer } as SyncInfo;
    },
  } as unknown as BluestoneClient;
  const { lookupSyncs } = createIncrementalSyncActivities({
    config,
    logger: createLogger({ level: 'ERROR' }),
    bluestone,
    occtoo: {} as OcctooClient,
  });
  return { lookupSyncs, asked };
}

const notice = (syncId: string, context = 'en') => ({ syncId, context });

describe('lookupSyncs', () => {
  it('classifies each notice on its own: found, skipped, or failed with the reason', async () => {
    const { lookupSyncs, asked } = lookups({
      good: { contextId: 'l3471', createdAt: 2_000 },
      elsewhere: { contextId: 'l9999', createdAt: 3_000 },
      rotated: apiError(
        FailureType.BluestoneForbidden,
        403,
        'Bluestone refused the API key (403): check BLUESTONE_API_KEY',
      ),
      odd: apiError(
        FailureType.BluestoneBadRequest,
        400,
        'Bluestone rejected GET /syncs/{id} (400 Invalid id)',
      ),
      unencodable: new URIError('URI malformed'),
    });
    const found = await new MockActivityEnvironment().run(lookupSyncs, {
      notices: ['good', 'elsewhere', 'rotated', 'odd', 'gone', 'unencodable', '\ud800'].map((id) =>
        notice(id),
      ),
    });
    expect(found).toEqual<SyncLookup[]>([
      {
        syncId: 'good',
        context: 'l3471',
        createdAt: 2_000,
        pass: { context: 'l3471', language: 'sv', isDefault: false },
      },
      {
        syncId: 'elsewhere',
        context: 'l9999',
        createdAt: 3_000,
        problem: expect.stringMatching(/context "l9999" is not configured \(configured: en, l3471\)/),
      },
      {
        syncId: 'rotated',
        context: 'en',
        failure: { type: 'BluestoneForbidden', message: expect.stringMatching(/check BLUESTONE_API_KEY/) },
      },
      {
        syncId: 'odd',
        context: 'en',
        failure: { type: 'BluestoneBadRequest', message: expect.stringMatching(/400 Invalid id/) },
      },
      {
        syncId: 'gone',
        context: 'en',
        failure: { type: 'BluestoneNotFound', message: expect.stringMatching(/unknown sync id/) },
      },
      {
        syncId: 'unencodable',
        context: 'en',
        failure: {
          type: 'InvalidSyncNotice',
          message: 'sync id "unencodable" cannot be sent to Bluestone (URI malformed)',
        },
      },
      {
        syncId: '\ud800',
        context: 'en',
        failure: {
          type: 'InvalidSyncNotice',
          message: expect.stringMatching(/^"\\ud800" is not a Bluestone sync id/),
        },
      },
    ]);
    // The malformed id never reached Bluestone.
    expect(asked).not.toContain('\ud800');
  });

  it('throws a retryable failure on an outage, and the retry looks up only what the heartbeat lacks', async () => {
    const outage = apiError(
      FailureType.BluestoneUnavailable,
      503,
      'Bluestone GET /syncs/{id} is unavailable: 503',
      true,
    );
    const first = lookups({ a: { createdAt: 1 }, b: outage, c: { createdAt: 3 } });
    const attempt1 = new MockActivityEnvironment({ attempt: 1 });
    const beats: unknown[] = [];
    attempt1.on('heartbeat', (d: unknown) => beats.push(d));
    const notices = ['a', 'b', 'c'].map((id) => notice(id));
    const err = await attempt1.run(first.lookupSyncs, { notices }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'BluestoneUnavailable', nonRetryable: false });

    const second = lookups({ b: { createdAt: 2 } });
    const found: SyncLookup[] = await new MockActivityEnvironment({
      attempt: 2,
      heartbeatDetails: beats.at(-1),
    }).run(second.lookupSyncs, { notices });
    expect(found.map((l) => l.createdAt)).toEqual([1, 2, 3]);
    expect(second.asked).not.toContain('a');
  });

  it('retries an unreadable answer a few times, then fails that sync with it', async () => {
    const unreadable = apiError(
      FailureType.InvalidResponse,
      200,
      'Bluestone GET /syncs/{id} returned an unexpected response',
      true,
    );
    const { lookupSyncs } = lookups({ weird: unreadable });
    const early = await new MockActivityEnvironment({ attempt: 1 })
      .run(lookupSyncs, { notices: [notice('weird')] })
      .catch((e: unknown) => e);
    expect(early).toMatchObject({ type: 'InvalidResponse', nonRetryable: false });
    const late = await new MockActivityEnvironment({ attempt: 5 }).run(lookupSyncs, {
      notices: [notice('weird')],
    });
    expect(late).toEqual([
      {
        syncId: 'weird',
        context: 'en',
        failure: { type: 'InvalidResponse', message: expect.stringMatching(/unexpected response/) },
      },
    ]);
  });
});
