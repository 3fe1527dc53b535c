/**
 * `npm run demo`: the whole service on an embedded default, with no configuration. Starts the
 * embedded Temporal server, both simulators with a generated catalog, the worker and the
 * gateway wired to them; runs a setup sync and a full sync (with a live progress bar), then a
 * publish on the Bluestone simulator whose webhooks flow through the gateway (one of them lost),
 * and a full sync that repairs what it missed; prints a summary and where to look. Runs until Ctrl-C, or stops after the summary with `--exit`.
 *
 *   npm run demo                       explore afterwards; Ctrl-C stops everything
 *   npm run demo -- --exit             exit code 0 only when Occtoo equals the catalog
 *   npm run demo -- --products 5000
 */
import { commandLineOrExit } from '../command-line';
import { TemporalCliNotFound } from '../worker/temporal-cli';
import { DEMO_USAGE, parseDemoArgs, type DemoArgs } from './args';
import { DemoAlreadyRunning, releaseDemoDataDir } from './data-dir';
import { runScenario } from './scenario';
import { DATA_DIR, say, startDemo, type DemoRunning } from './start';

const running: DemoRunning = {};
let stopping: Promise<void> | undefined;

/** The service's stop sequence (worker, gateway, Temporal), then the demo's own: simulators, data folder. */
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    const step = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (err) {
        say(`Stopping ${what} failed: ${String(err)}`);
      }
    };
    const { service, sims } = running;
    if (service) await step('the service', () => service.stop());
    // Pending webhook retries would keep the process alive: closing gives them up.
    if (sims) await step('the simulators', () => sims.close());
    releaseDemoDataDir(DATA_DIR);
  })();
  return stopping;
}

async function run(args: DemoArgs): Promise<number> {
  return runScenario(args, await startDemo(args, running));
}

async function main(): Promise<void> {
  const args = commandLineOrExit(parseDemoArgs, DEMO_USAGE);

  // Ctrl-C at any moment stops everything in order; a second one (a while later) does not wait.
  // One Ctrl-C may arrive more than once: from the terminal, and relayed by npm and tsx.
  let exitCode = 130;
  let firstSignalAt = 0;
  let done: ((code: number) => void) | undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        if (Date.now() - firstSignalAt < 2000) return;
        say(`\n${signal} again: exiting without waiting.`);
        process.exit(exitCode);
      }
      firstSignalAt = Date.now();
      say(`\n${signal}: stopping the worker, the gateway, the simulators and the Temporal server...`);
      void stopEverything().then(() => done?.(exitCode));
    });
  }

  try {
    exitCode = await run(args);
  } catch (err) {
    if (!stopping) {
      console.error(err instanceof Error ? err.message : String(err));
      exitCode =
        err instanceof TemporalCliNotFound || (err as Error).name === 'DevServerError'
          ? 3
          : err instanceof DemoAlreadyRunning
            ? 2
            : 1;
    }
    await stopEverything();
    process.exit(exitCode);
  }
  if (args.exit) {
    await stopEverything();
  } else {
    // Until Ctrl-C; a worker that stops on its own ends the demo too (as in `npm start`).
    running.service?.done.then(
      () => undefined,
      (err: unknown) => {
        if (stopping) return;
        console.error(`The worker failed: ${err instanceof Error ? err.message : String(err)}`);
        exitCode = 1;
        void stopEverything().then(() => done?.(exitCode));
      },
    );
    await finished;
  }
  say('Stopped.');
  process.exit(exitCode);
}

void main();
