import { parseStrict, UsageError, type OptionSpecs, type ParsedCommandLine } from '../command-line';

/** The CLI's name, as installed (`npm run cli -- ...` runs the same thing). */
export const PROGRAM = 'bluestone-occtoo-sync';

/** Flags every command takes. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** The command name: the first argument that is not an option. */
export function splitCommand(argv: readonly string[]): { name?: string; rest: string[] } {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  if (at < 0) return { rest: [...argv] };
  return { name: argv[at], rest: [...argv.slice(0, at), ...argv.slice(at + 1)] };
}

/**
 * One command's options with node's parseArgs (strict: a misspelled option is an error, not
 * silently ignored), and its positional arguments counted.
 */
export function parseCommand(
  command: string,
  argv: readonly string[],
  options: OptionSpecs,
  /** `variadic`: the last name takes any number of arguments (`resync <productId…>`). */
  positionals: { names: readonly string[]; required: number; variadic?: boolean },
): ParsedCommandLine {
  const parsed = parseStrict(
    argv,
    { ...GLOBAL_OPTIONS, ...options },
    {
      allowPositionals: true,
      // Node's messages run on about quoting; the first sentence says what is wrong.
      explain: (message) =>
        `${message.split(/\.\s/)[0].replace(/\.$/, '')} (see ${PROGRAM} ${command} --help)`,
    },
  );
  const { values } = parsed;
  if (values.help) return { values, positionals: parsed.positionals };
  if (parsed.positionals.length < positionals.required) {
    const missing = positionals.names[parsed.positionals.length];
    throw new UsageError(`${command} needs <${missing}> (see ${PROGRAM} ${command} --help)`);
  }
  if (!positionals.variadic && parsed.positionals.length > positionals.names.length) {
    const extra = parsed.positionals[positionals.names.length];
    throw new UsageError(`${command} takes no argument "${extra}" (see ${PROGRAM} ${command} --help)`);
  }
  return { values, positionals: parsed.positionals };
}

/** A whole number of days within bounds, e.g. `--days 3`. */
export function parseDays(raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const days = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(days > 0) || days > max) {
    throw new UsageError(`--days must be a number of days above 0 and at most ${max} (got "${raw}")`);
  }
  return days;
}

/** `en,l3471`: a comma list without empty items. */
export function parseList(raw: string | undefined, option: string): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${option} needs a comma list, e.g. --${option} en,l3471`);
  return items;
}
