/**
 * Issue #12: a value a merchandiser clears in Bluestone is cleared in Occtoo. Every clearing case
 * gets its own assertion on the simulated Occtoo (the property is gone in that language and only
 * there), once through an incremental sync (publish, webhook, gateway, coordinator) and once
 * through a full sync (the publish's webhook lost). One publish carries every case, each on
 * products of its own, so the two paths cost two fixtures.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import {
  CLEARING_CASES,
  closeClearingFixture,
  differences,
  inspectCase,
  publishAndApply,
  runFullSync,
  startClearingFixture,
  type ClearingPlan,
} from '../support/clearing';
import type { SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  env = await connectTestEnv();
  workflowBundle = await bundleWorkflows();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each([
  ['an incremental sync', 'incremental'],
  ['a full sync', 'full'],
] as const)('clearing through %s', (_title, path) => {
  let fixture: SyncFixture | undefined;
  let plan: ClearingPlan;

  beforeAll(async () => {
    ({ fixture, plan } = await startClearingFixture(env, workflowBundle, `clearing-${path}`));
    if (path === 'incremental') {
      await publishAndApply(env, fixture, plan.clear);
    } else {
      // The webhook is lost: only the full sync can find what changed.
      fixture.sims.bluestone.publish({ ...plan.clear, deliver: false });
      await runFullSync(env, fixture, 'after-clearing');
    }
  });
  afterAll(async () => {
    await closeClearingFixture(env, fixture);
  });

  it.each(CLEARING_CASES)('%s: gone in that language and only there', (name) => {
    const found = inspectCase(plan.cases.get(name)!, fixture!);
    expect(found.stillThere).toEqual([]);
    expect(found.notKept).toEqual([]);
  });

  it('leaves Occtoo equal to the catalog, exactly (no cleared value anywhere)', () => {
    expect(differences(fixture!, plan)).toEqual([]);
  });
});
