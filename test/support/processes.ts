/** Helpers for tests that run the service as a real process, as an operator would. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export { freePort } from '../../src/ports';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `tsx <script> ...args` from the repository root with the given environment. */
export function runTs(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { detached?: boolean } = {},
): RunningProcess {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), script, ...args], {
    cwd: REPO_ROOT,
    // Detached: its own process group, so a test can kill the whole tree (tsx and node) at once.
    detached: options.detached ?? false,
    // A clean environment: only PATH and what the test gives, so no developer .env leaks in.
    // Metrics off unless a test asks for them: several workers may run at once on one machine.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      WORKER_METRICS_ADDRESS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Kills a detached process's whole group (tsx and the node process it runs); gone already is fine. */
export function killProcessGroup(proc: RunningProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    if (proc.child.pid) process.kill(-proc.child.pid, signal);
  } catch {
    // already gone
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** Command lines of every running process that mentions `needle` (e.g. a temp data folder). */
export function processesMentioning(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'))
    .map((l) => l.trim());
}
