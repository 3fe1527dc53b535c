/**
 * How the CLI ends: exit codes a script can rely on, and an error that carries one. Every error
 * is printed as one line that says what to do; `details` go into the `--json` document.
 */
export const EXIT = {
  ok: 0,
  /** The command ran but what it ran failed: a failed workflow, a non-determinism, an unknown id. */
  failed: 1,
  /** A wrong command line or configuration: fix it and run again. */
  usage: 2,
  /** Temporal (or, for the commands that read it, the record's database) cannot be reached. */
  unreachable: 3,
  /** A full sync of an overlapping scope is already running. */
  conflict: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode: number = EXIT.failed,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}
