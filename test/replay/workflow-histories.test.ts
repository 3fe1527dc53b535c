/**
 * Recorded workflow histories replayed against the current workflow code: a change that would
 * break running workflows (non-determinism) fails here, before it reaches a worker.
 * Re-record with `npx tsx scripts/record-histories.ts` when a change is meant to be incompatible.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { workflowTracingSinks } from '../../src/tracing';
import { bundleWorkflows } from '../support/temporal';

const HISTORIES = path.resolve(__dirname, '../histories');
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json') && f !== 'index.json');
/** The workflow id of each recorded history: child workflow ids are derived from it. */
const workflowIds = JSON.parse(readFileSync(path.join(HISTORIES, 'index.json'), 'utf8')) as Record<
  string,
  string
>;

describe('replay of recorded histories', () => {
  let workflowBundle: WorkflowBundle;
  beforeAll(async () => {
    workflowBundle = await bundleWorkflows();
  });

  it('has recorded histories to replay', () => {
    expect(files.sort()).toEqual(
      ['full-sync-final-run.json', 'full-sync.json', 'incremental-sync.json', 'sync-coordinator.json'].sort(),
    );
    expect(Object.keys(workflowIds).sort()).toEqual(files.sort());
  });

  it.each(files)('%s replays against the current workflow code', async (file) => {
    const history = JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8'));
    // The bundle's tracing interceptors need their sink, as on a worker.
    await Worker.runReplayHistory(
      { workflowBundle, sinks: workflowTracingSinks() },
      history,
      workflowIds[file],
    );
  });
});
