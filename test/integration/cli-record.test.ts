/**
 * The CLI's view of the record of what was sent, as an operator runs it (`tsx src/cli/main.ts`
 * as a real process) against the test run's Temporal server, a worker in this process, the
 * simulators and a fresh database: `state`, `full-sync --force`, and `why`'s last-sent part.
 * The tests run in order and build on each other.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { allContexts } from '../../src/config';
import { slotOf } from '../../src/state/record';
import { fullSyncWorkflowId, type FullSyncResult } from '../../src/shared/sync-types';
import { lines, runCli, type CliRun } from '../support/cli';
import { freePort } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

interface StateDocument {
  empty: boolean;
  sources: { source: string; language: string; kind: string; entities: number }[];
  uploadedMedia: number;
  lastCompleteFullSync: { runId: string; completedAt: number } | null;
}

interface FullSyncDocument {
  workflowId: string;
  runId: string;
  force: boolean;
  status: string;
  result: FullSyncResult;
}

describe('the CLI and the record (state, full-sync --force, why)', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let fixture: SyncFixture;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'cli-record',
      sims: { catalog: { products: 12, seed: 43 } },
    });
    cliEnv = {
      ...fixture.sims.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: fixture.config.temporal.taskQueue,
      DATABASE_URL: fixture.config.database.url!,
      WEBHOOK_SECRET: 'cli-record-webhook-secret',
      LOG_LEVEL: 'WARN',
    };
  });

  afterAll(async () => {
    await fixture?.close();
    await env?.teardown();
  });

  const cli = (args: string[], overrides: Record<string, string> = {}): Promise<CliRun> =>
    runCli(args, { ...cliEnv, ...overrides });
  const languages = () => allContexts(fixture.config).map((c) => c.language);
  const entitiesReceived = (source: string) => fixture.sims.occtoo.importCounts()[source]?.entities ?? 0;

  /** What the full sync sent, per source and language (media: the default pass only). */
  function sentBy(result: FullSyncResult): Map<string, number> {
    const sent = new Map<string, number>();
    for (const c of result.progress.contexts) {
      sent.set(`categories/${c.language}`, c.categories.sent);
      sent.set(`products/${c.language}`, c.products.sent);
    }
    // A pass that sent nothing has nothing recorded.
    return new Map([...sent].filter(([, n]) => n > 0));
  }

  function recorded(doc: StateDocument, kinds: string[]): Map<string, number> {
    return new Map(
      doc.sources.filter((s) => kinds.includes(s.kind)).map((s) => [`${s.source}/${s.language}`, s.entities]),
    );
  }

  it('state says the record of a new database is empty', async () => {
    const [text, asJson] = await Promise.all([cli(['state']), cli(['state', '--json'])]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Empty: nothing was recorded yet');
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      empty: true,
      sources: [],
      uploadedMedia: 0,
      lastCompleteFullSync: null,
    });
  });

  it('state names DATABASE_URL when the database cannot be reached (exit 3), without its password', async () => {
    const url = `postgres://operator:s3cret-pw@127.0.0.1:${await freePort()}/nowhere`;
    const run = await cli(['state', '--json'], { DATABASE_URL: url });
    expect(run.code).toBe(3);
    const problems = lines(run.stderr);
    expect(problems).toEqual([expect.stringContaining('DATABASE_URL')]);
    expect(run.stderr + run.stdout).not.toContain('s3cret-pw');
    expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: 3 });
  });

  let first: FullSyncDocument;

  it('state --json counts what a full sync sent, per source and language', async () => {
    const run = await cli(['full-sync', '--wait', '--json']);
    expect(run.code).toBe(0);
    first = JSON.parse(run.stdout) as FullSyncDocument;
    expect(first).toMatchObject({ status: 'completed', force: false });
    // A new database: the result says what the record could not do this once.
    expect(first.result.notes).toEqual([expect.stringContaining('record was empty')]);

    const state = await cli(['state', '--json']);
    expect(state.code).toBe(0);
    const doc = JSON.parse(state.stdout) as StateDocument;
    expect(doc.empty).toBe(false);
    expect(recorded(doc, ['product', 'category'])).toEqual(sentBy(first.result));
    // Media entities go in the default pass only: as many as Occtoo holds.
    const media = fixture.config.occtoo.mediaSource;
    expect(recorded(doc, ['media'])).toEqual(
      new Map([[`${media}/${languages()[0]}`, fixture.sims.occtoo.entities(media).size]]),
    );
    expect(doc.lastCompleteFullSync?.runId).toBe(first.runId);

    const text = await cli(['state']);
    expect(text.stdout).toMatch(new RegExp(`Last complete full sync: run ${first.runId}`));
  });

  let lastForcedRunId: string;

  it('full-sync --force re-sends every entity the record holds; without it nothing is sent', async () => {
    const products = fixture.config.occtoo.productsSource;
    const before = entitiesReceived(products);
    const plain = await cli(['full-sync', '--products-only', '--wait', '--json']);
    expect(plain.code).toBe(0);
    expect(entitiesReceived(products)).toBe(before);

    const text = await cli(['full-sync', '--products-only', '--force', '--wait', '--progress', 'lines']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Started a forced full sync of products');
    expect(text.stdout).toMatch(/context\s+source\s+read\s+sent\s+unchanged/);

    const beforeForced = entitiesReceived(products);
    const forced = await cli(['full-sync', '--products-only', '--force', '--wait', '--json']);
    expect(forced.code).toBe(0);
    const doc = JSON.parse(forced.stdout) as FullSyncDocument;
    expect(doc).toMatchObject({
      workflowId: fullSyncWorkflowId(fixture.config.temporal.taskQueue, { categories: false }),
      force: true,
      status: 'completed',
    });
    const firstSent = first.result.progress.contexts.reduce((n, c) => n + c.products.sent, 0);
    expect(entitiesReceived(products)).toBe(beforeForced + firstSent);
    lastForcedRunId = doc.runId;
  });

  it('why shows what was last sent per language, and a value cleared in one language as a difference', async () => {
    const [en, sv] = allContexts(fixture.config);
    const hostile = new Set(fixture.sims.catalog.hostile.map((h) => h.productId ?? h.id));
    const product = fixture.sims.catalog
      .productsIn(sv.context)
      .find((p) => !hostile.has(p.id) && p.description && p.name)!;
    // The description emptied in Swedish only; the webhook is lost, so no sync has run since.
    fixture.sims.bluestone.publish({
      contexts: [sv.context],
      change: [{ id: product.id, description: null }],
      deliver: false,
    });

    const [text, asJson] = await Promise.all([cli(['why', product.id]), cli(['why', product.id, '--json'])]);
    expect(text.code).toBe(0);
    const clearedSv = slotOf({ id: 'Description', language: sv.language });
    expect(text.stdout).toContain(`${sv.language} (context ${sv.context}):`);
    expect(text.stdout).toContain(`cleared:    ${clearedSv} (sent as null)`);

    const doc = JSON.parse(asJson.stdout) as {
      record: {
        languages: {
          language: string;
          lastSent: { runId: string; at: string; properties: string[] } | null;
          difference: { added: string[]; cleared: string[] };
        }[];
      };
    };
    const byLanguage = new Map(doc.record.languages.map((l) => [l.language, l]));
    expect([...byLanguage.keys()]).toEqual(languages());
    // Last sent by the last forced full sync, in every language it was sent in.
    for (const language of [en.language, sv.language]) {
      expect(byLanguage.get(language)?.lastSent).toMatchObject({
        runId: lastForcedRunId,
        at: expect.any(String),
      });
    }
    expect(byLanguage.get(sv.language)!.lastSent!.properties).toContain(clearedSv);
    expect(byLanguage.get(sv.language)!.difference).toMatchObject({ added: [], cleared: [clearedSv] });
    // Cleared in Swedish only: English keeps its description.
    expect(byLanguage.get(en.language)!.lastSent!.properties).toContain(
      slotOf({ id: 'Description', language: en.language }),
    );
    expect(byLanguage.get(en.language)!.difference.cleared).toEqual([]);
  });
});
