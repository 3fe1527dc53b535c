import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';
import { portIsFree } from '../ports';
import { searchAttributeCliArgs } from '../shared/search-attributes';

/**
 * The embedded Temporal server: `temporal server start-dev`, persisted to a file under the
 * data folder so that a restart keeps workflow history, with the Web UI. Used by `npm start`
 * and the demo when TEMPORAL_ADDRESS is unset.
 */
export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  namespace: string;
  dataDir: string;
  logger: Logger;
  ip?: string;
  /** How long to wait for the server to answer. */
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export class DevServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevServerError';
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  for (const [port, variable] of [
    [options.port, 'TEMPORAL_DEV_PORT'],
    [options.uiPort, 'TEMPORAL_UI_PORT'],
  ] as const) {
    if (!(await portIsFree(port, ip))) {
      throw new DevServerError(
        `Port ${port} on ${ip} is already in use, so the embedded Temporal server cannot start. ` +
          `Stop whatever uses it, choose another port with ${variable}=..., or, if a Temporal server already runs there, ` +
          `use it with TEMPORAL_ADDRESS=${ip}:${options.port}.`,
      );
    }
  }
  mkdirSync(options.dataDir, { recursive: true });
  const dbFile = path.resolve(options.dataDir, 'temporal.db');
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--db-filename',
    dbFile,
    '--log-level',
    'warn',
    '--ui-disable-news-fetch',
    ...searchAttributeCliArgs(),
  ];
  // Own process group: Ctrl-C reaches us first, and we stop the server after the worker drained.
  const child = spawn(options.cliPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  const address = `${ip}:${options.port}`;
  try {
    await waitUntilServing(address, child, options.startTimeoutMs ?? 60_000, () => output.join(''));
  } catch (err) {
    killGroup(child, 'SIGKILL');
    process.removeListener('exit', killOnExit);
    throw err;
  }
  options.logger.info('Embedded Temporal server started', {
    address,
    ui: `http://${ip}:${options.uiPort}`,
    dbFile,
  });

  let stopped: Promise<void> | undefined;
  return {
    address,
    uiUrl: `http://${ip}:${options.uiPort}`,
    stop() {
      stopped ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
        options.logger.info('Embedded Temporal server stopped');
      })();
      return stopped;
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitUntilServing(
  address: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) {
      throw new DevServerError(`The embedded Temporal server exited during start-up:\n${output().trim()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new DevServerError(
    `The embedded Temporal server did not answer on ${address} within ${timeoutMs / 1000}s:\n${output().trim()}`,
  );
}
