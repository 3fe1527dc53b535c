/**
 * The operator CLI: `npm run cli -- <command>` or the `bluestone-occtoo-sync` bin. Reads the
 * service's configuration (`.env`, then the environment) and talks to its Temporal server.
 * Exit codes: 0 done, 1 what ran failed, 2 wrong usage or configuration, 3 Temporal (or the
 * record's database) not reachable, 4 a full sync of an overlapping scope is already running.
 */
import { ServiceError } from '@temporalio/client';
import { ConfigError } from '../config';
import { PROGRAM, parseCommand, splitCommand } from './args';
import type { Command } from './command';
import { UsageError } from '../command-line';
import { CliError, EXIT } from './errors';
import { fullSyncCommand } from './full-sync';
import { Output } from './output';
import { refreshCommand } from './refresh';
import { replayCommand } from './replay';
import { resyncCommand } from './resync';
import { openSession, unreachable, type Session } from './session';
import { setupCommand } from './setup';
import { stateCommand } from './state';
import { statusCommand } from './status';
import { whyCommand } from './why';

const COMMANDS: Command[] = [
  fullSyncCommand,
  refreshCommand,
  setupCommand,
  statusCommand,
  whyCommand,
  replayCommand,
  stateCommand,
  resyncCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM} <command> [options]   (or: npm run cli -- <command> [options])`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options of every command:',
    '  --json   print one JSON document (for scripts) instead of text',
    "  --help   show the command's options",
    '',
    "Configuration: the service's own (.env or the environment; see the README). Temporal is",
    'TEMPORAL_ADDRESS, or the embedded server of `npm start` when it is unset.',
    'Exit codes: 0 done, 1 failed, 2 wrong usage or configuration, 3 Temporal (or, for state,',
    "the record's database: DATABASE_URL) not reachable, 4 a full sync of the same scope is",
    'already running.',
  ].join('\n');
}

function commandUsage(command: Command): string {
  return [
    `Usage: ${PROGRAM} ${command.name} ${command.synopsis}`.trimEnd(),
    '',
    `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`,
    '',
    ...command.details.map((d) => `  ${d}`),
    '',
    'Like every command, it takes --json (one JSON document instead of text).',
  ].join('\n');
}

/** gRPC UNAVAILABLE: the server went away (or never answered) after the connection was made. */
function isUnavailable(err: unknown): boolean {
  return err instanceof ServiceError && (err.cause as { code?: number } | undefined)?.code === 14;
}

/** Every failure as one line (per problem) on stderr, and as the JSON document with --json. */
function report(err: unknown, out: Output, address?: string): number {
  if (err instanceof ConfigError) {
    for (const problem of err.problems) out.problem(`Configuration error: ${problem}`);
    out.problem('Set these in the environment or in a .env file (see .env.example and the README).');
    out.document({ error: 'Invalid configuration', problems: err.problems, exitCode: EXIT.usage });
    return EXIT.usage;
  }
  const known =
    err instanceof CliError
      ? err
      : address && isUnavailable(err)
        ? unreachable(address)
        : new CliError((err instanceof Error ? err.message : String(err)).split('\n')[0] || String(err));
  out.problem(known.message);
  out.document({ error: known.message, exitCode: known.exitCode, ...known.details });
  return known.exitCode;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const out = new Output(argv.includes('--json'));
  let opened: Promise<Session> | undefined;
  let address: string | undefined;
  const session = () =>
    (opened ??= openSession().then((s) => {
      address = s.address;
      return s;
    }));
  try {
    const { name, rest } = splitCommand(argv);
    if (name === undefined || name === 'help') {
      if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${usage()}\n`);
        return EXIT.ok;
      }
      throw new UsageError(`No command given: choose one of ${COMMANDS.map((c) => c.name).join(', ')}`);
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw new UsageError(
        `Unknown command "${name}": choose one of ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    const parsed = parseCommand(name, rest, command.options, command.positionals);
    if (parsed.values.help) {
      process.stdout.write(`${commandUsage(command)}\n`);
      return EXIT.ok;
    }
    return await command.run({ ...parsed, out, session });
  } catch (err) {
    const code = report(err, out, address);
    // A wrong command name: show what the right ones are.
    if (err instanceof UsageError && /^(Unknown|No) command/.test(err.message) && !out.json) {
      out.problem(`\n${usage()}`);
    }
    return code;
  } finally {
    await opened?.then((s) => s.close()).catch(() => undefined);
  }
}

// `| head` closing stdout early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Native Temporal handles (the replay worker's runtime) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 2_000).unref();
});
