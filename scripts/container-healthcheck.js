#!/usr/bin/env node
// The image's HEALTHCHECK (liveness): the gateway's `/health` on PORT when a gateway runs here
// (roles `all` and `gateway`), else the worker's `/healthz` on WORKER_METRICS_ADDRESS (role
// `worker`). Exit 0 when the route answers 200, 1 otherwise; one line saying what failed.
// No curl in the slim image: node's own fetch.
const TIMEOUT_MS = 3_000;

/** host:port as WORKER_METRICS_ADDRESS gives it; a wildcard host is reached on the loopback. */
function localUrl(address, route) {
  const at = address.lastIndexOf(':');
  let host = address.slice(0, at);
  if (host === '0.0.0.0' || host === '' || host === '[::]' || host === '::') host = '127.0.0.1';
  return `http://${host}:${address.slice(at + 1)}${route}`;
}

async function probe(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { answered: true, ok: res.status === 200, detail: `${url} answered ${res.status}` };
  } catch (err) {
    const code = err?.cause?.code ?? err?.name ?? 'error';
    return { answered: code !== 'ECONNREFUSED', ok: false, detail: `${url}: ${code}` };
  }
}

async function main() {
  const gateway = await probe(`http://127.0.0.1:${process.env.PORT || 3000}/health`);
  // Nothing listening on PORT: a worker-only container.
  const metrics = process.env.WORKER_METRICS_ADDRESS || '127.0.0.1:9464';
  const result = gateway.answered || metrics === 'off' ? gateway : await probe(localUrl(metrics, '/healthz'));
  console.log(result.detail);
  process.exit(result.ok ? 0 : 1);
}

void main();
