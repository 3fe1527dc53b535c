import type { OptionSpecs, ParsedCommandLine } from '../command-line';
import type { Output } from './output';
import type { Session } from './session';

export interface CommandInput extends ParsedCommandLine {
  out: Output;
  /** The configuration and a Temporal connection, opened on first use and closed by main. */
  session(): Promise<Session>;
}

export interface Command {
  name: string;
  /** Arguments after the command name, as shown in the usage. */
  synopsis: string;
  /** One line for the command list. */
  summary: string;
  /** Option lines for `<command> --help`. */
  details: string[];
  options: OptionSpecs;
  positionals: { names: string[]; required: number; variadic?: boolean };
  /** Resolves with the exit code. */
  run(input: CommandInput): Promise<number>;
}
