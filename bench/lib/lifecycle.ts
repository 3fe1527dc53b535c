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
