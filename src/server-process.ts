import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * An embedded server (Temporal's dev server, PostgreSQL) in its own process group: Ctrl-C reaches
 * the service first, and the server is stopped after the worker drained, not with it. A service
 * that exits without its stop sequence takes the server with it: on `exit`, and on Linux even
 * when it is killed (SIGKILL, or tsx killing a child that was slow to acknowledge a signal), as
 * the server then gets `signalOnExit` from the kernel (`setpriv --pdeathsig`).
 */
export interface ServerProcess {
  child: ChildProcess;
  /** The server's last lines of output, for start-up errors. */
  output(): string;
  signal(signal: NodeJS.Signals): void;
  /** Stops it: `gently`, then `forcibly` if it is still running after `graceMs`. Idempotent. */
  stop(gently: NodeJS.Signals, forcibly: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** How long a server may take to stop gently before it is stopped forcibly. */
export const SERVER_STOP_GRACE_MS = 5_000;

export function spawnServer(
  command: string,
  args: string[],
  options: SpawnOptions & { signalOnExit: NodeJS.Signals },
): ServerProcess {
  const { signalOnExit, ...spawnOptions } = options;
  const guarded = diesWithParent(signalOnExit, command, args);
  const child = spawn(guarded.command, guarded.args, {
    ...spawnOptions,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    stop(gently, forcibly, graceMs = SERVER_STOP_GRACE_MS) {
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

let setprivPath: string | null | undefined;

/**
 * `command args` under `setpriv --pdeathsig <signal>` where util-linux's setpriv exists (Linux):
 * it sets the kernel's parent-death signal, then runs the server in its own place (same pid), so
 * the server gets `signal` the moment this process dies, however it dies. Elsewhere unchanged.
 */
function diesWithParent(signal: NodeJS.Signals, command: string, args: string[]) {
  if (setprivPath === undefined) {
    setprivPath = null;
    if (process.platform === 'linux') {
      for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
        const probe = spawnSync(candidate, ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore' });
        if (probe.status === 0) {
          setprivPath = candidate;
          break;
        }
      }
    }
  }
  return setprivPath
    ? { command: setprivPath, args: ['--pdeathsig', signal, '--', command, ...args] }
    : { command, args };
}
