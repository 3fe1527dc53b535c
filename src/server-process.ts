import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * An embedded server (Temporal's dev server, PostgreSQL) in its own process group: Ctrl-C reaches
 * the service first, and the server is stopped after the worker drained, not with it. A service
 * that exits without its stop sequence takes the server with it.
 */
export interface ServerProcess {
  child: ChildProcess;
  /** The server's last lines of output, for start-up errors. */
  output(): string;
  signal(signal: NodeJS.Signals): void;
  /** Stops it: `gently`, then `forcibly` if it is still running after `graceMs`. Idempotent. */
  stop(gently: NodeJS.Signals, forcibly: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function spawnServer(
  command: string,
  args: string[],
  options: SpawnOptions & { signalOnExit: NodeJS.Signals },
): ServerProcess {
  const { signalOnExit, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(chunk.toString());
    if (lines.length > 50) lines.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = (sig: NodeJS.Signals) => {
    if (child.pid === undefined || !running()) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const onExit = () => signal(signalOnExit);
  process.once('exit', onExit);

  let stopped: Promise<void> | undefined;
  return {
    child,
    output: () => lines.join(''),
    signal,
    stop(gently, forcibly, graceMs = 10_000) {
      stopped ??= (async () => {
        process.removeListener('exit', onExit);
        if (!running()) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        signal(gently);
        const timer = setTimeout(() => signal(forcibly), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}
