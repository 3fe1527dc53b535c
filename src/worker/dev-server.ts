import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';
import { portIsFree } from '../ports';
import { searchAttributeCliArgs } from '../shared/search-attributes';
import { spawnServer } from '../server-process';

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
  const address = `${ip}:${options.port}`;
  // The CLI picks its HTTP API port itself, among ephemeral ports: one taken meanwhile (by any
  // outgoing connection) stops it at start-up. That is worth another try; our own ports are not.
  let server = spawnServer(options.cliPath, args, { signalOnExit: 'SIGKILL' });
  for (let attempt = 1; ; attempt++) {
    try {
      await waitUntilServing(address, server.child, options.startTimeoutMs ?? 60_000, server.output);
      break;
    } catch (err) {
      await server.stop('SIGKILL', 'SIGKILL');
      if (attempt >= 3 || !tookAnotherPort(server.output(), [options.port, options.uiPort])) throw err;
      options.logger.warn('The embedded Temporal server found a port of its own in use; starting it again', {
        attempt,
      });
      server = spawnServer(options.cliPath, args, { signalOnExit: 'SIGKILL' });
    }
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
      stopped ??= server.stop('SIGTERM', 'SIGKILL').then(() => {
        options.logger.info('Embedded Temporal server stopped');
      });
      return stopped;
    },
  };
}

/** True when start-up failed on a port the CLI chose itself (not the gRPC or UI port we asked for). */
export function tookAnotherPort(output: string, ours: number[]): boolean {
  const bound = [...output.matchAll(/listen tcp [^:\s]*:(\d+): bind: address already in use/g)];
  return bound.length > 0 && bound.every(([, port]) => !ours.includes(Number(port)));
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
