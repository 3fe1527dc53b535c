/**
 * An embedded server never outlives the service that started it, even when the service is
 * killed without its stop sequence (SIGKILL: no exit handler runs).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const SERVER_PROCESS = path.resolve(__dirname, '../../src/server-process.ts');

/** A process state from /proc; undefined once it is gone. A zombie (Z) has exited. */
function state(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}
const alive = (pid: number) => {
  const s = state(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
};

async function until(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('spawnServer', () => {
  it('takes the server with it when the service is killed (SIGKILL)', async () => {
    // A stand-in service: starts a "server" (sleep) the way the service starts Temporal and
    // PostgreSQL, prints its pid, and waits to be killed.
    const service = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { spawnServer } = require(${JSON.stringify(SERVER_PROCESS)});
         const server = spawnServer('sleep', ['120'], { signalOnExit: 'SIGKILL' });
         console.log('server ' + server.child.pid);
         setInterval(() => undefined, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let serverPid: number | undefined;
    try {
      let out = '';
      service.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        serverPid ??= Number(/server (\d+)/.exec(out)?.[1]) || undefined;
      });
      await until('the server to start', () => serverPid !== undefined && alive(serverPid));

      service.kill('SIGKILL');
      await until('the server to stop with its service', () => !alive(serverPid!), 5_000);
    } finally {
      service.kill('SIGKILL');
      if (serverPid && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
  });
});
