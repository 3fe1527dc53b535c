/**
 * The image's HEALTHCHECK (scripts/container-healthcheck.js): the gateway's /health where a
 * gateway runs, else the worker's /healthz; the role's own answer decides.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/ports';

const SCRIPT = path.resolve(__dirname, '../../scripts/container-healthcheck.js');

function healthcheck(env: Record<string, string>): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout) =>
      resolve({ status: err ? Number(err.code) : 0, output: stdout }),
    );
  });
}

/** A server answering `route` with `status` (404 elsewhere); its port. */
async function serve(route: string, status: number): Promise<{ port: number; close(): void }> {
  const server = http.createServer((req, res) => {
    res.statusCode = req.url === route ? status : 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('the image HEALTHCHECK', () => {
  it("passes on the gateway's /health, and fails when it answers otherwise", async () => {
    for (const [status, exit] of [
      [200, 0],
      [500, 1],
    ] as const) {
      const gateway = await serve('/health', status);
      try {
        const result = await healthcheck({ PORT: String(gateway.port), WORKER_METRICS_ADDRESS: 'off' });
        expect(result).toEqual({
          status: exit,
          output: expect.stringContaining(`/health answered ${status}`),
        });
      } finally {
        gateway.close();
      }
    }
  });

  it("asks a worker-only container's /healthz on WORKER_METRICS_ADDRESS (0.0.0.0 reached on the loopback)", async () => {
    const worker = await serve('/healthz', 200);
    try {
      const noGateway = String(await freePort());
      expect(
        await healthcheck({ PORT: noGateway, WORKER_METRICS_ADDRESS: `0.0.0.0:${worker.port}` }),
      ).toEqual({
        status: 0,
        output: expect.stringContaining(`127.0.0.1:${worker.port}/healthz answered 200`),
      });
    } finally {
      worker.close();
    }
  });

  it('fails when nothing answers', async () => {
    const result = await healthcheck({
      PORT: String(await freePort()),
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    expect(result).toEqual({ status: 1, output: expect.stringContaining('ECONNREFUSED') });
  });
});
