import { WorkflowNotFoundError } from '@temporalio/client';
import { PROGRAM } from './args';
import type { Command } from './command';
import { CliError, EXIT } from './errors';

/** Replays a recorded history against the workflow code of this checkout. */
export const replayCommand: Command = {
  name: 'replay',
  synopsis: '<workflowId> [--run-id R]',
  summary: "replay a workflow's history against the current code and report any non-determinism",
  details: [
    'workflowId   any workflow of this namespace (the latest run unless --run-id)',
    '--run-id R   a particular run, e.g. an earlier run of a full sync that continued as new',
    'Exit code 1 when the current code would not replay the history (a non-determinism).',
  ],
  options: { 'run-id': { type: 'string' } },
  positionals: { names: ['workflowId'], required: 1 },

  async run({ values, positionals, out, session }) {
    const [workflowId] = positionals;
    const runId = values['run-id'] as string | undefined;
    const { client, config } = await session();
    const handle = client.workflow.getHandle(workflowId, runId);
    let history;
    let resolvedRunId: string;
    try {
      resolvedRunId = runId ?? (await handle.describe()).runId;
      history = await client.workflow.getHandle(workflowId, resolvedRunId).fetchHistory();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      throw new CliError(
        `No workflow "${workflowId}"${runId ? ` with run ${runId}` : ''} in namespace ${config.temporal.namespace}: list this deployment's syncs with \`${PROGRAM} status\``,
        EXIT.failed,
        { workflowId, runId },
      );
    }
    const events = history.events?.length ?? 0;
    // Loaded here: the worker's native runtime is only needed by this command.
    const { DefaultLogger, ReplayError, Runtime, Worker } = await import('@temporalio/worker');
    const { DeterminismViolationError } = await import('@temporalio/workflow');
    // The worker's own logging would bury the answer: warnings and errors only, on stderr.
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) => process.stderr.write(`${entry.level} ${entry.message}\n`)),
      shutdownSignals: [],
    });
    out.line(`Replaying ${workflowId} (run ${resolvedRunId}, ${events} events) against the current code...`);
    const report = { workflowId, runId: resolvedRunId, events };
    try {
      // With the workflow interceptors of the worker's bundle (src/tracing.ts), as it runs them.
      const { TRACING_WORKFLOW_MODULES, workflowTracingSinks } = await import('../tracing');
      await Worker.runReplayHistory(
        {
          workflowsPath: require.resolve('../workflows'),
          interceptors: { workflowModules: TRACING_WORKFLOW_MODULES },
          sinks: workflowTracingSinks(),
        },
        history,
        workflowId,
      );
    } catch (err) {
      if (!(err instanceof DeterminismViolationError || err instanceof ReplayError)) throw err;
      const what = err instanceof DeterminismViolationError ? 'Non-deterministic' : 'Replay failed';
      out.problem(`${what}: ${err.message}`);
      out.document({ ...report, deterministic: false, error: err.message });
      return EXIT.failed;
    }
    out.line('deterministic: the current code replays this history without a difference');
    out.document({ ...report, deterministic: true });
    return EXIT.ok;
  },
};
