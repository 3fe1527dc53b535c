/**
 * Where the CLI writes: readable lines for people, or exactly one JSON document on stdout for
 * scripts (`--json`). Problems go to stderr either way, so stdout stays parseable.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** True when a person is watching a terminal (and no JSON was asked for). */
  get terminal(): boolean {
    return !this.json && this.stdout.isTTY === true;
  }

  /** A line for people; nothing in JSON mode. */
  line(text = ''): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** Raw text for people (progress redraws); nothing in JSON mode. */
  write(text: string): void {
    if (!this.json) this.stdout.write(text);
  }

  /** The one JSON document of a `--json` run; nothing otherwise. */
  document(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A problem or a hint, always on stderr. */
  problem(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}
