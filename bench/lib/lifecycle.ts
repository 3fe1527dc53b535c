/**
 * A benchmark's lifecycle and output: everything it starts is stopped on success, failure,
 * Ctrl-C or timeout (cleanup steps run in reverse order; `lastResort` kills synchronously on
 * exit), and `say` prints unless `--json` asked for JSON only.
 */
export const cleanups: (() => Promise<void> | void)[] = [];
export const lastResort: (() => void)[] = [];

let cleaning: Promise<void> | undefined;
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (err) {
        console.error(`Cleanup step failed: ${String(err)}`);
      }
    }
  })();
  return cleaning;
}
process.on('exit', () => lastResort.forEach((kill) => kill()));

let quiet = false;
export function setQuiet(value: boolean): void {
  quiet = value;
}
export const say = (line = ''): void => {
  if (!quiet) console.log(line);
};

/**
 * Runs a benchmark's `main` and exits with its code, after stopping everything it started — also on
 * a failure (`onFailure` may print what the failure means first) and on Ctrl-C. The same Ctrl-C
 * often arrives twice (from the terminal, and relayed by npm or tsx): a repeat within a second is
 * ignored; a later one exits at once (the exit handlers still kill every process).
 */
export function runUntilDone(
  main: () => Promise<number>,
  what: string,
  onFailure: (err: unknown) => void = (err) =>
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err)),
): void {
  let interrupted: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted !== undefined) {
        if (Date.now() - interrupted >= 1_000) process.exit(130);
        return;
      }
      interrupted = Date.now();
      console.error(`\n${signal}: stopping everything ${what} started …`);
      void cleanup().then(() => process.exit(130));
    });
  }
  main().then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (err: unknown) => {
      onFailure(err);
      await cleanup();
      process.exit(1);
    },
  );
}
