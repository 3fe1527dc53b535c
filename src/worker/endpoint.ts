/**
 * The worker's HTTP endpoint on WORKER_METRICS_ADDRESS: `/metrics` (Temporal's metrics and the
 * sync's, from the SDK's Prometheus exporter), `/healthz` (alive) and `/readyz` (polling its task
 * queue). It opens before the worker connects and closes after it drained, so an orchestrator sees
 * "starting", "ready" and "draining" in turn.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';
import type { Logger } from '../logger';

/** What /readyz says, from the worker's state and whether the stop sequence began. */
export type WorkerReadiness = 'starting' | 'ready' | 'draining' | 'failed';

export function readinessOf(state: State | undefined, stopping: boolean): WorkerReadiness {
  if (state === 'FAILED') return 'failed';
  if (stopping || (state !== undefined && state !== 'INITIALIZED' && state !== 'RUNNING')) return 'draining';
  return state === 'RUNNING' ? 'ready' : 'starting';
}

export interface WorkerEndpointOptions {
  /** host:port, e.g. 127.0.0.1:9464 (local runs) or 0.0.0.0:9464 (containers). */
  address: string;
  /** Where the SDK's Prometheus exporter serves (a loopback port of this process); unset: no metrics. */
  coreMetricsUrl?: string;
  readiness(): WorkerReadiness;
  /** Shown by /readyz, so an operator knows which worker (pod) answered. */
  describe(): Record<string, unknown>;
  logger: Logger;
}

export interface WorkerEndpoint {
  url: string;
  close(): Promise<void>;
}

/** Splits `host:port` (IPv6 in brackets: `[::]:9464`). */
export function parseHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`WORKER_METRICS_ADDRESS "${address}" must be host:port, e.g. 0.0.0.0:9464`);
  }
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port };
}

export async function startWorkerEndpoint(options: WorkerEndpointOptions): Promise<WorkerEndpoint> {
  const { host, port } = parseHostPort(options.address);
  const server = http.createServer((req, res) => {
    void answer(options, req, res).catch((err: unknown) => {
      options.logger.warn('Worker endpoint failed to answer', { path: req.url, error: String(err) });
      if (!res.headersSent) json(res, 500, { status: 'error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `WORKER_METRICS_ADDRESS ${options.address} is already in use: choose another port (or 'off')`,
            )
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shownHost}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  options: WorkerEndpointOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { status: 'method not allowed' });
  if (path === '/healthz') {
    // Alive unless the worker failed for good: an outage it retries is not a reason to restart it.
    const failed = options.readiness() === 'failed';
    return json(res, failed ? 503 : 200, { status: failed ? 'failed' : 'ok' });
  }
  if (path === '/readyz') {
    const status = options.readiness();
    return json(res, status === 'ready' ? 200 : 503, { status, ...options.describe() });
  }
  if (path === '/metrics') {
    if (!options.coreMetricsUrl) {
      return json(res, 503, { status: "metrics are off: this process's Temporal runtime has no exporter" });
    }
    const upstream = await fetch(options.coreMetricsUrl, { signal: AbortSignal.timeout(5_000) });
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'text/plain; version=0.0.4',
    });
    res.end(await upstream.text());
    return;
  }
  json(res, 404, { status: 'not found', routes: ['/metrics', '/healthz', '/readyz'] });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
