import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';
import { createLogger } from '../../../src/logger';
import {
  parseHostPort,
  readinessOf,
  startWorkerEndpoint,
  type WorkerEndpoint,
} from '../../../src/worker/endpoint';

describe('the worker endpoint', () => {
  let state: State | undefined;
  let stopping: boolean;
  let endpoint: WorkerEndpoint | undefined;
  let exporter: http.Server | undefined;
  afterEach(async () => {
    await endpoint?.close();
    await new Promise((resolve) => (exporter ? exporter.close(resolve) : resolve(undefined)));
    endpoint = exporter = undefined;
  });

  const start = async (coreMetricsUrl?: string) => {
    state = undefined;
    stopping = false;
    endpoint = await startWorkerEndpoint({
      address: '127.0.0.1:0',
      coreMetricsUrl,
      readiness: () => readinessOf(state, stopping),
      describe: () => ({ taskQueue: 'bluestone-occtoo' }),
      logger: createLogger({ level: 'ERROR' }),
    });
    return endpoint;
  };
  const get = async (route: string) => {
    const res = await fetch(`${endpoint!.url}${route}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('is ready only while the worker polls: starting, ready, draining', async () => {
    await start();
    expect(await get('/readyz')).toMatchObject({
      status: 503,
      text: '{"status":"starting","taskQueue":"bluestone-occtoo"}',
    });
    state = 'INITIALIZED';
    expect((await get('/readyz')).status).toBe(503);
    state = 'RUNNING';
    expect(await get('/readyz')).toMatchObject({
      status: 200,
      text: '{"status":"ready","taskQueue":"bluestone-occtoo"}',
    });
    // The stop sequence began: draining at once, before the worker's own state moves.
    stopping = true;
    expect(await get('/readyz')).toMatchObject({ status: 503, text: expect.stringContaining('"draining"') });
    expect(await get('/healthz')).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    state = 'FAILED';
    expect(await get('/healthz')).toMatchObject({ status: 503, text: '{"status":"failed"}' });
  });

  it.each<[State, boolean, string]>([
    ['STOPPING', false, 'draining'],
    ['DRAINING', false, 'draining'],
    ['DRAINED', false, 'draining'],
    ['STOPPED', false, 'draining'],
    ['RUNNING', true, 'draining'],
    ['FAILED', true, 'failed'],
  ])('reads worker state %s (stopping: %s) as %s', (s, stop, expected) => {
    expect(readinessOf(s, stop)).toBe(expected);
  });

  it("relays the SDK exporter's metrics on /metrics", async () => {
    exporter = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('temporal_num_pollers 2\n'),
    );
    await new Promise<void>((resolve) => exporter!.listen(0, '127.0.0.1', resolve));
    await start(`http://127.0.0.1:${(exporter.address() as AddressInfo).port}/metrics`);
    expect(await get('/metrics')).toEqual({
      status: 200,
      type: 'text/plain; version=0.0.4',
      text: 'temporal_num_pollers 2\n',
    });
    expect((await get('/nothing')).status).toBe(404);
  });

  it('says so when the process has no exporter', async () => {
    await start();
    expect((await get('/metrics')).status).toBe(503);
  });

  it('names the setting when the address is wrong or taken', async () => {
    expect(() => parseHostPort('9464')).toThrow(/WORKER_METRICS_ADDRESS "9464" must be host:port/);
    expect(parseHostPort('[::]:9464')).toEqual({ host: '::', port: 9464 });
    const taken = await start();
    const port = new URL(taken.url).port;
    await expect(
      startWorkerEndpoint({
        address: `127.0.0.1:${port}`,
        readiness: () => 'ready',
        describe: () => ({}),
        logger: createLogger({ level: 'ERROR' }),
      }),
    ).rejects.toThrow(`WORKER_METRICS_ADDRESS 127.0.0.1:${port} is already in use`);
  });
});
