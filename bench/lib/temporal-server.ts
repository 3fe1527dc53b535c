/**
 * A headless, in-memory Temporal dev server for a benchmark: `temporal server start-dev` on a
 * free loopback port, its output kept out of the benchmark's own (so that `--json` stays JSON).
 */
import { spawn } from 'node:child_process';
import { freePort } from '../../src/ports';
import { Client, Connection } from '@temporalio/client';
import { searchAttributeCliArgs } from '../../src/shared/search-attributes';
import { requireTemporalCli } from '../../src/worker/temporal-cli';

export interface BenchTemporal {
  address: string;
  client: Client;
  /** The server process, for CPU and memory figures. */
  pid: number;
  stop(): Promise<void>;
  /** Synchronous last resort (process exit). */
  kill(): void;
}

export async function startBenchTemporal(timeoutMs = 60_000): Promise<BenchTemporal> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(
    requireTemporalCli(),
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      // The metrics endpoint would take another port; nothing reads it here.
      '--metrics-port',
      String(await freePort()),
      '--namespace',
      'default',
      '--log-level',
      'warn',
      ...searchAttributeCliArgs(),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  const deadline = Date.now() + timeoutMs;
  let connection: Connection | undefined;
  while (!connection) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The Temporal dev server exited during start-up:\n${output.join('').trim()}`);
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(
        `The Temporal dev server did not answer within ${timeoutMs / 1000} s:\n${output.join('')}`,
      );
    }
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      connection = c;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const client = new Client({ connection, namespace: 'default' });
  return {
    address,
    client,
    pid: child.pid!,
    kill,
    async stop() {
      await connection.close().catch(() => undefined);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
