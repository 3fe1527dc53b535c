/** Child processes of a benchmark: started in their own process group, always stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface TsChild {
  child: ChildProcess;
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail(): string;
  /** Resolves with the first printed line that `test` accepts; rejects on exit or timeout. */
  waitForLine(test: (line: string) => boolean, timeoutMs: number, what: string): Promise<string>;
  /** Every printed line that `test` accepts, so far. */
  lines(test: (line: string) => boolean): string[];
  exited: Promise<number | null>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort (process exit): SIGKILL to the group. */
  kill(): void;
}

const TAIL_LINES = 40;
/** Lines kept for `lines()`: enough for result lines, bounded for chatty workers. */
const KEPT_LINES = 2_000;

/**
 * Runs `tsx [nodeFlags] <script> ...args` from the repository root with exactly `env` (plus PATH
 * and HOME). tsx hands `nodeFlags` to the node process that runs the script.
 */
export function spawnTs(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): TsChild {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), ...nodeFlags, script, ...args], {
    cwd: REPO_ROOT,
    // Its own process group, so that tsx and the node process it starts stop together.
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const kept: string[] = [];
  const waiters = new Set<(line: string) => void>();
  let partial = { out: '', err: '' };
  const onData = (stream: 'out' | 'err') => (chunk: Buffer) => {
    const text = partial[stream] + chunk.toString();
    const parts = text.split('\n');
    partial = { ...partial, [stream]: parts.pop() ?? '' };
    for (const line of parts) {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (kept.length < KEPT_LINES) kept.push(line);
      for (const w of waiters) w(line);
    }
  };
  child.stdout?.on('data', onData('out'));
  child.stderr?.on('data', onData('err'));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
    child.once('error', () => resolve(-1));
  });
  const signalGroup = (signal: NodeJS.Signals, evenAfterExit = false) => {
    if (child.pid === undefined) return;
    if (!evenAfterExit && (child.exitCode !== null || child.signalCode !== null)) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    tail: () => tail.join('\n'),
    lines: (test) => kept.filter(test),
    exited,
    waitForLine(test, timeoutMs, what) {
      const seen = kept.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (err?: Error, line?: string) => {
          clearTimeout(timer);
          waiters.delete(listener);
          if (err) reject(err);
          else resolve(line!);
        };
        const listener = (line: string) => {
          if (test(line)) done(undefined, line);
        };
        const timer = setTimeout(
          () =>
            done(new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}:\n${tail.join('\n')}`)),
          timeoutMs,
        );
        waiters.add(listener);
        void exited.then((code) =>
          done(new Error(`${script} exited (${code}) before ${what}:\n${tail.join('\n')}`)),
        );
      });
    },
    async stop(graceMs = 10_000) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // tsx's node child may outlive tsx by a moment: make sure the group is gone.
      signalGroup('SIGKILL', true);
    },
    kill: () => signalGroup('SIGKILL', true),
  };
}
