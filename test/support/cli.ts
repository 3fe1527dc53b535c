/** The operator CLI as an operator runs it: `tsx src/cli/main.ts <args>` as a real process. */
import { runTs } from './processes';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const proc = runTs('src/cli/main.ts', args, env);
  let stdout = '';
  let stderr = '';
  proc.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  // 'close', not 'exit': every byte of output has arrived.
  return new Promise((resolve) => proc.child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Non-blank lines. */
export const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
