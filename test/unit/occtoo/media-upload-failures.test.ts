import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApiError, FailureType } from '../../../src/http/api-error';
import { mediaUniqueIdentifier } from '../../../src/mapping';
import { clearOcctooCaches, OcctooClient } from '../../../src/occtoo/client';
import { ensureMediaInOcctoo } from '../../../src/occtoo/media-upload';
import type { LinkUpload } from '../../../src/occtoo/types';
import { startOcctooSim, type OcctooSim } from '../../../src/sim/occtoo-sim';
import { MemoryRecord } from '../../support/memory-record';
import { asset } from '../mapping/fixtures';
import { FakeOcctoo } from '../pipeline/fake-occtoo';

/**
 * HANDLE_MEDIA=occtoo when uploads fail (issue 17). A bad asset (Occtoo cannot fetch its link,
 * or it has no link) is reported and the rest goes on; trouble a retry can fix (Occtoo down)
 * fails the whole call, so the activity retries, and the retry uploads only what is still
 * missing: nothing twice, nothing recorded that Occtoo does not hold.
 */

const PROVIDER = { id: 'provider-1', secret: 's3cret', allowedSources: ['media'] };
const FAST = { concurrency: 4, pollIntervalMs: 20, timeoutMs: 3000 };

describe('media uploads that Occtoo cannot complete (simulated Occtoo over HTTP)', () => {
  let sim: OcctooSim;
  let links: Server;
  let linkBase: string;
  /** Links the media server answers 404 for. */
  const broken = new Set<string>();
  let client: OcctooClient;

  beforeAll(async () => {
    const app = express();
    app.get('/img/:name', (req, res) => {
      if (broken.has(req.params.name)) res.status(404).send('not here');
      else res.type('image/png').send(Buffer.from(`png ${req.params.name}`));
    });
    links = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    linkBase = `http://127.0.0.1:${(links.address() as AddressInfo).port}/img`;
    sim = await startOcctooSim({ providers: [PROVIDER], mediaProcessingDelayMs: 30 });
    client = new OcctooClient({
      baseUrl: sim.url,
      dataProviderId: PROVIDER.id,
      dataProviderSecret: PROVIDER.secret,
      retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
      timeoutMs: 2000,
    });
  });

  afterAll(async () => {
    client.close();
    clearOcctooCaches();
    await sim.close();
    await new Promise<void>((resolve) => {
      links.close(() => resolve());
      links.closeAllConnections();
    });
  });

  it('reports the asset whose link fails and the one without a link, uploads the others, and records only those', async () => {
    const good = asset({ id: 'm-good', fileName: 'good.png', downloadUri: `${linkBase}/good` });
    const bad = asset({ id: 'm-bad', fileName: 'bad.png', downloadUri: `${linkBase}/bad` });
    const linkless = asset({ id: 'm-nolink', downloadUri: undefined });
    broken.add('bad');
    const record = new MemoryRecord();

    const result = await ensureMediaInOcctoo(client, [good, bad, linkless], {
      ...FAST,
      uploadedBefore: record,
    });

    expect([...result.files.keys()]).toEqual(['m-good']);
    expect(result.uploaded).toBe(1);
    expect(result.failures.sort((a, b) => a.assetId.localeCompare(b.assetId))).toEqual([
      {
        assetId: 'm-bad',
        reason: expect.stringMatching(/^Occtoo could not upload media .* upload Failed: .*404/),
      },
      { assetId: 'm-nolink', reason: 'the asset has no downloadUri' },
    ]);
    expect(sim.mediaFiles().map((f) => f.uniqueIdentifier)).toEqual([mediaUniqueIdentifier(good)]);
    expect(result.files.get('m-good')?.id).toBe(sim.mediaFiles()[0].id);
    expect([...record.uploads.values()].map((u) => u.assetId)).toEqual(['m-good']);

    // The next sync, once the link works: only the failed asset is uploaded; the good one is
    // taken from the record, neither looked up nor uploaded again.
    broken.delete('bad');
    const again = await ensureMediaInOcctoo(client, [good, bad], { ...FAST, uploadedBefore: record });
    expect(again.failures).toEqual([]);
    expect(again.uploaded).toBe(1);
    expect([...again.files.keys()].sort()).toEqual(['m-bad', 'm-good']);
    expect(sim.uploadCounts.get(mediaUniqueIdentifier(good))).toBe(1);
    expect(
      sim
        .mediaFiles()
        .map((f) => f.uniqueIdentifier)
        .sort(),
    ).toEqual([mediaUniqueIdentifier(bad), mediaUniqueIdentifier(good)].sort());
    expect([...record.uploads.values()].map((u) => u.assetId).sort()).toEqual(['m-bad', 'm-good']);
  });
});

describe('media uploads: what fails the call, and what its retry uploads', () => {
  const a = asset({ id: 'm-a', downloadUri: 'https://media.example.com/org/m-a' });
  const b = asset({ id: 'm-b', downloadUri: 'https://media.example.com/org/m-b' });
  const c = asset({ id: 'm-c', downloadUri: 'https://media.example.com/org/m-c' });

  /** Occtoo's media API (FakeOcctoo) with a failure scripted for the next upload of some assets. */
  function occtooFailing(next: Map<string, ApiError>) {
    const occtoo = new FakeOcctoo();
    const inner = occtoo.client();
    const attempts: string[] = [];
    const client = {
      ...inner,
      uploadFromLink: async (upload: LinkUpload) => {
        attempts.push(upload.uniqueIdentifier);
        const failure = next.get(upload.uniqueIdentifier);
        if (failure) {
          next.delete(upload.uniqueIdentifier);
          throw failure;
        }
        return inner.uploadFromLink(upload);
      },
    } as OcctooClient;
    return { occtoo, client, attempts };
  }

  const unavailable = new ApiError({
    type: FailureType.OcctooUnavailable,
    status: 503,
    message: 'Occtoo is unavailable: 503',
    retryable: true,
  });

  it('fails the call on trouble a retry can fix, and the retry uploads only what is still missing', async () => {
    const { occtoo, client, attempts } = occtooFailing(new Map([[mediaUniqueIdentifier(b), unavailable]]));
    const record = new MemoryRecord();

    await expect(
      ensureMediaInOcctoo(client, [a, b, c], { concurrency: 1, uploadedBefore: record }),
    ).rejects.toMatchObject({ type: FailureType.OcctooUnavailable, retryable: true });
    // Nothing recorded that the call did not finish.
    expect(record.uploads.size).toBe(0);

    const retry = await ensureMediaInOcctoo(client, [a, b, c], { concurrency: 1, uploadedBefore: record });

    expect(retry.failures).toEqual([]);
    expect([...retry.files.keys()].sort()).toEqual(['m-a', 'm-b', 'm-c']);
    // What the first attempt uploaded is found by the lookup, not uploaded twice.
    expect(occtoo.uploads.sort()).toEqual([a, b, c].map(mediaUniqueIdentifier).sort());
    // One lane: a, then b fails and the call stops; the retry uploads b and c.
    expect(attempts).toEqual([a, b, b, c].map(mediaUniqueIdentifier));
    expect(retry.uploaded).toBe(2);
    expect([...record.uploads.values()].map((u) => u.assetId).sort()).toEqual(['m-a', 'm-b', 'm-c']);
  });

  it('reports an upload Occtoo refuses for good, and does not fail the call', async () => {
    const refused = new ApiError({
      type: FailureType.OcctooBadRequest,
      status: 400,
      message: 'Occtoo did not accept the media link https://media.example.com/org/m-b: unsupported type',
      retryable: false,
    });
    const { client } = occtooFailing(new Map([[mediaUniqueIdentifier(b), refused]]));

    const result = await ensureMediaInOcctoo(client, [a, b, c], { concurrency: 2 });

    expect([...result.files.keys()].sort()).toEqual(['m-a', 'm-c']);
    expect(result.uploaded).toBe(2);
    expect(result.failures).toEqual([{ assetId: 'm-b', reason: refused.message }]);
  });
});
