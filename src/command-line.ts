import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Command-line parsing shared by the simulators, the demo and the benchmarks: node's strict
 * `parseArgs` (a misspelled option is an error, not ignored), errors that say what to fix.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOptions(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `--name` as a whole number within [min, max], or `fallback` when absent. */
export function wholeNumber<F extends number | undefined>(
  raw: string | undefined,
  name: string,
  fallback: F,
  min: number,
  max: number,
): number | F {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

/**
 * Reads the command line with `parse`. `--help` prints the usage and exits 0; a usage error
 * prints what is wrong and the usage, and exits 2. Nothing has started yet when either happens.
 */
export function commandLineOrExit<T>(parse: (argv: string[]) => T | 'help', usage: string): T {
  let parsed: T | 'help';
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${usage}`);
    process.exit(2);
  }
  if (parsed === 'help') {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}
