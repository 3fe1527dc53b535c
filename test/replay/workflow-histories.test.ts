/**
 * Recorded workflow histories replayed against the current workflow code: a change that would
 * break running workflows (non-determinism) fails here, before it reaches a worker.
 * Re-record with `npx tsx scripts/record-histories.ts` when a change is meant to be incompatible.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../support/temporal';

const HISTORIES = path.resolve(__dirname, '../histories');
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  let workflowBundle: WorkflowBundle;
  beforeAll(async () => {
    workflowBundle = await bundleWorkflows();
  });

  it('has recorded histories to replay', () => {
    expect(files).toEqual(expect.arrayContaining(['full-sync.json', 'full-sync-final-run.json']));
  });

  it.each(files)('%s replays against the current workflow code', async (file) => {
    const history = JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle }, history, `replay-${file}`);
  });
});
