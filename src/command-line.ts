import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT } from './cli/errors';

/**
 * Command-line parsing shared by the CLI, the simulators, the demo and the benchmarks: node's
 * strict `parseArgs` (a misspelled option is an error, not ignored), errors that say what to fix.
 */

/** A wrong command line: exits 2 (EXIT.usage) with what to fix. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Node's strict parseArgs; what it objects to becomes a UsageError, worded by `explain`. */
export function parseStrict(
  argv: readonly string[],
  options: OptionSpecs,
  { allowPositionals = false, explain = (message: string) => message } = {},
): ParsedCommandLine {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals, strict: true });
    return { values: parsed.values as ParsedCommandLine['values'], positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError(explain((err as Error).message));
  }
}

export function parseOptions(argv: string[], options: OptionSpecs): ParsedCommandLine['values'] {
  return parseStrict(argv, options).values;
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
    process.exit(err.exitCode);
  }
  if (parsed === 'help') {
    console.log(usage);
    process.exit(EXIT.ok);
  }
  return parsed;
}
