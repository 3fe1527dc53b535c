/**
 * The operator CLI as an operator runs it: `tsx src/cli/main.ts <command>` as a real process,
 * against the test run's Temporal server, a real worker in this process and the simulators.
 * The tests run in order and build on each other: setup, a full sync, a refresh that applies a
 * lost sync, then `why`, `status` and `replay` over what those left behind.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { productKeyOf } from '../../src/mapping';
import type { Config } from '../../src/config';
import { compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import {
  fullSyncWorkflowId,
  incrementalSyncWorkflowId,
  syncCoordinatorWorkflowId,
  type FullSyncResult,
} from '../../src/shared/sync-types';
import { fullSync } from '../../src/workflows';
import { testConfig } from '../support/config';
import { runCli, type CliRun } from '../support/cli';
import { freePort } from '../support/processes';
import { startSims, type Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';
import { startTestService, withOwnDatabase } from '../support/service';
import type { RunningService } from '../../src/service';

describe('the CLI (bluestone-occtoo-sync)', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims;
  let config: Config;
  let cliEnv: Record<string, string>;
  let service: RunningService | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    [workflowBundle, sims] = await Promise.all([
      bundleWorkflows(),
      startSims({ catalog: { products: 16, seed: 41 } }),
    ]);
    cliEnv = {
      ...sims.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli'),
      WEBHOOK_SECRET: 'cli-webhook-secret',
      // Number keys: the generated catalog's product without a number is set aside.
      PRODUCT_KEY: 'number',
      // That one is 1 of 16 products (over the default 5 %): these runs are to complete and list it.
      SET_ASIDE_MAX_PERCENT: '20',
      LOG_LEVEL: 'WARN',
    };
    // The CLI reads the deployment's record (why) from the database its worker writes.
    config = await withOwnDatabase(testConfig(cliEnv));
    cliEnv.DATABASE_URL = config.database.url!;
    service = await startTestService(env, workflowBundle, config);
  });

  afterAll(async () => {
    await env?.client.workflow
      .getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue))
      .terminate()
      .catch(() => undefined);
    await service?.stop();
    await sims?.close();
    await env?.teardown();
  });

  /** `tsx src/cli/main.ts ...args`, with the test deployment's configuration (plus overrides). */
  function cli(args: string[], overrides: Record<string, string> = {}): Promise<CliRun> {
    return runCli(args, { ...cliEnv, ...overrides });
  }

  const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
  const tq = () => config.temporal.taskQueue;
  const noNumber = () => sims.catalog.hostile.find((h) => h.kind === 'product-without-number')!.id;

  it('stops on a bad configuration with one line naming the variable (exit 2)', async () => {
    const run = await cli(['status'], { BLUESTONE_API_KEY: '' });
    expect(run.code).toBe(2);
    const problems = lines(run.stderr).filter((l) => l.startsWith('Configuration error:'));
    expect(problems).toEqual([expect.stringContaining('BLUESTONE_API_KEY is required')]);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stdout).toBe('');
  });

  it('says in one line that Temporal is not reachable, and how to fix it (exit 3)', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const run = await cli(['status', '--json'], { TEMPORAL_ADDRESS: address });
    expect(run.code).toBe(3);
    expect(lines(run.stderr)).toEqual([
      `Temporal is not reachable at ${address}: start the service (npm start) or set TEMPORAL_ADDRESS`,
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: 3, address });
  });

  it('answers an unknown command with one line and the usage (exit 2)', async () => {
    const run = await cli(['fullsync']);
    expect(run.code).toBe(2);
    const [first, ...rest] = lines(run.stderr);
    expect(first).toBe(
      'Unknown command "fullsync": choose one of full-sync, refresh, setup, status, why, replay, state, resync',
    );
    expect(rest[0]).toMatch(/^Usage: bluestone-occtoo-sync <command>/);
  });

  it('setup --wait lists the contexts and the definitions read', async () => {
    const run = await cli(['setup', '--wait']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Started a setup sync: ${tq()}/setup-sync-\\d+`));
    for (const { context, contextName } of sims.catalog.contexts) {
      expect(run.stdout).toContain(`  ${context} (${contextName}): synced`);
    }
    const attributes = sims.catalog.attributesIn('en').length;
    const relations = sims.catalog.relationsIn('en').length;
    expect(run.stdout).toContain(`Attributes: ${attributes}, relations: ${relations} (default context)`);
    expect(run.stdout).toContain('Nothing pushed: OCCTOO_SETUP_SOURCE is not set');
  });

  it('setup --wait with a misspelled context prints the failure in one line (exit 1)', async () => {
    // The worker's configuration is what the setup checks: a deployment with the typo.
    const misspelled = {
      BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv,l3427:de',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli-typo'),
    };
    const typoWorker = await startTestService(env, workflowBundle, testConfig({ ...cliEnv, ...misspelled }));
    try {
      const run = await cli(['setup', '--wait'], misspelled);
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(
          /^Setup failed: Bluestone has no context "l3427"; valid contexts are: en \(English\)/,
        ),
      ]);
    } finally {
      await typoWorker.stop();
    }
  });

  it('full-sync --wait --json fills Occtoo and prints one JSON document with the summary', async () => {
    const run = await cli(['full-sync', '--wait', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      workflowId: string;
      uiUrl: string;
      status: string;
      result: FullSyncResult;
    };
    expect(doc.workflowId).toBe(fullSyncWorkflowId(tq(), {}));
    expect(doc.uiUrl).toContain(encodeURIComponent(doc.workflowId));
    expect(doc.status).toBe('completed');
    expect(doc.result.progress.contexts.map((c) => c.context)).toEqual(['en', 'l3471', 'l3472']);
    const en = doc.result.progress.contexts[0];
    expect(en.products.read).toBe(sims.catalog.productsIn('en').length);
    expect(doc.result.progress.setAside).toContainEqual(
      expect.objectContaining({ source: 'products', id: noNumber(), context: 'en' }),
    );
    expect(compareWithOcctoo(expectedOcctooState(sims.catalog, config), sims.occtoo, config.occtoo)).toEqual(
      [],
    );
  });

  it('refuses a full sync while one of an overlapping scope runs, naming it (exit 4)', async () => {
    // A products-only full sync that no worker picks up: it stays running.
    const parkedId = fullSyncWorkflowId(tq(), { categories: false, products: true });
    await env.client.workflow.start(fullSync, {
      taskQueue: `${tq()}-parked`,
      workflowId: parkedId,
      args: [{ categories: false, products: true }],
    });
    try {
      const run = await cli(['full-sync', '--json']);
      expect(run.code).toBe(4);
      expect(lines(run.stderr)).toEqual([
        expect.stringContaining(`A full sync covering the same scope is already running: ${parkedId}`),
      ]);
      expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: 4, runningWorkflowId: parkedId });
    } finally {
      await env.client.workflow.getHandle(parkedId).terminate('test over');
    }
  });

  let changed: string;
  let syncId: string;

  it('refresh --wait applies a sync whose webhook was lost', async () => {
    const hostile = new Set(sims.catalog.hostile.map((h) => h.productId ?? h.id));
    const [, ...plain] = sims.catalog.productsIn('en'); // the first carries every attribute
    const product = plain.find((p) => p.number && !hostile.has(p.id))!;
    changed = product.id;
    const published = sims.bluestone.publish({
      contexts: ['en'],
      change: [{ id: changed, name: 'Renamed while the webhook was lost' }],
      deliver: false,
    });
    syncId = published.syncs[0].id;
    const run = await cli(['refresh', '--days', '1', '--wait']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`Started a refresh of the last 1 day\\(s\\): ${tq()}/refresh-syncs-manual-\\d+`),
    );
    expect(run.stdout).toMatch(/Found \d+ sync\(s\): 1 applied, \d+ skipped, 0 failed/);
    expect(run.stdout).toContain(`  applied  ${syncId} (en, `);
    expect(sims.occtoo.entity('products', productKeyOf(product, config.mapping)!)?.properties).toContainEqual(
      {
        id: 'Name',
        value: 'Renamed while the webhook was lost',
        language: 'en',
      },
    );
  });

  it('why names the incremental sync that changed a product, and what the mapping sends now', async () => {
    const [run, asJson] = await Promise.all([cli(['why', changed]), cli(['why', changed, '--json'])]);
    expect(run.code).toBe(0);
    const workflowId = incrementalSyncWorkflowId(tq(), syncId);
    expect(run.stdout).toContain(`Last sync: incremental sync ${workflowId}`);
    expect(run.stdout).toContain(`Bluestone sync ${syncId}, context en`);
    expect(run.stdout).toMatch(/Difference: CHANGE, item 1 of 1, differences page 1 \(100 per page\)/);
    expect(run.stdout).toContain('Sent to Occtoo');
    expect(run.stdout).toContain(`Before that: full sync ${fullSyncWorkflowId(tq(), {})}`);
    expect(run.stdout).toContain('Name [en] = "Renamed while the webhook was lost"');

    // Beside it, what the record says was last sent in each language.
    expect(run.stdout).toContain('What was last sent, per language');

    const json = JSON.parse(asJson.stdout);
    expect(json.lastSync).toMatchObject({ kind: 'incremental', workflowId, syncId, outcome: 'sent' });
    const languages = json.record.languages as { language: string; lastSent: unknown }[];
    expect(languages.map((l) => l.language)).toEqual(['en', 'sv', 'de']);
    expect(languages[0].lastSent).toMatchObject({
      source: 'products',
      properties: expect.arrayContaining(['Id', 'Name@en']),
    });
    expect(json.now.map((n: { context: string; served: boolean }) => [n.context, n.served])).toEqual([
      ['en', true],
      ['l3471', true],
      ['l3472', true],
    ]);
  });

  it('why shows why a product was set aside', async () => {
    const run = await cli(['why', noNumber()]);
    expect(run.code).toBe(0);
    const reason = 'PRODUCT_KEY=number but the product has no number';
    expect(run.stdout).toContain(`Last sync: full sync ${fullSyncWorkflowId(tq(), {})}`);
    expect(run.stdout).toMatch(new RegExp(`Set aside in en: ${reason}`));
    expect(run.stdout).toMatch(new RegExp(`en \\(en\\): set aside: ${reason}`));
  });

  it('why says so when Bluestone does not serve the product', async () => {
    const run = await cli(['why', 'no-such-product']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('No sync of this deployment mentions it');
    expect(run.stdout).toContain('Bluestone does not serve this product (archived or unpublished)');
  });

  it('status lists running and recent syncs, and shows one by id', async () => {
    const [list, asJson, one, missing] = await Promise.all([
      cli(['status']),
      cli(['status', '--json']),
      cli(['status', fullSyncWorkflowId(tq(), {})]),
      cli(['status', `${tq()}/no-such-workflow`]),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`Task queue ${tq()}`);
    for (const id of [fullSyncWorkflowId(tq(), {}), incrementalSyncWorkflowId(tq(), syncId)]) {
      expect(list.stdout).toMatch(new RegExp(`COMPLETED .*${id.replace(/[/.-]/g, '\\$&')}`));
    }
    expect(list.stdout).toMatch(/Coordinator: applying nothing, 0 pending/);
    expect(list.stdout).toMatch(/so far 1 applied/);

    const json = JSON.parse(asJson.stdout);
    expect(json.running.map((r: { type: string }) => r.type)).toContain('syncCoordinator');
    const types = json.recent.map((r: { type: string }) => r.type);
    expect(types).toEqual(
      expect.arrayContaining(['fullSync', 'incrementalSync', 'refreshSyncs', 'setupSync']),
    );
    // Only this deployment's task queue: the parked full sync ran on another one.
    expect(json.recent.filter((r: { status: string }) => r.status === 'TERMINATED')).toEqual([]);
    const incremental = json.recent.find((r: { type: string }) => r.type === 'incrementalSync');
    expect(incremental).toMatchObject({ syncKind: 'incremental', syncId, context: 'en' });

    expect(one.code).toBe(0);
    expect(one.stdout).toContain('status:  COMPLETED');
    expect(one.stdout).toMatch(/en \(en\)\s+products\s+\d+/);
    expect(one.stdout).toContain(`products ${noNumber()} (en): PRODUCT_KEY=number`);

    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([
      expect.stringContaining(`No workflow "${tq()}/no-such-workflow"`),
    ]);
  });

  it('replay finds a completed full sync deterministic against the current code', async () => {
    const run = await cli(['replay', fullSyncWorkflowId(tq(), {}), '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      workflowId: fullSyncWorkflowId(tq(), {}),
      deterministic: true,
    });
  });

  it('full-sync --products-only --contexts en --wait draws progress bars', async () => {
    const run = await cli([
      'full-sync',
      '--products-only',
      '--contexts',
      'en',
      '--wait',
      '--progress',
      'bars',
    ]);
    expect(run.code).toBe(0);
    const total = sims.catalog.productsIn('en').length;
    expect(run.stdout).toContain(
      `Started full sync of products: ${fullSyncWorkflowId(tq(), { categories: false })}`,
    );
    // Redrawn in place; the last frame shows en's products done against Bluestone's count.
    expect(run.stdout).toContain('\x1b[');
    expect(run.stdout).toMatch(
      new RegExp(`en \\(en\\)\\s+categories -\\s+products \\[#{16}\\]\\s+${total}/${total} done`),
    );
    expect(run.stdout).toMatch(/Full sync completed in \d+ s/);
    expect(run.stdout).not.toContain('l3471');
  });
});
