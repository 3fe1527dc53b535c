/**
 * What the container image runs (Dockerfile): `npm run build`, then `node dist/main.js` from the
 * folder that holds dist/ and node_modules, with TEMPORAL_ADDRESS and DATABASE_URL set as in
 * production. Compiled JavaScript only (no tsx, nothing from src/), the prebuilt workflow bundle,
 * and nothing from devDependencies, which the image leaves out. These machines have no Docker
 * daemon: the test goes up to the image boundary.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareWithOcctoo, expectedOcctooState } from '../../src/sim/expected-state';
import { testConfig } from '../support/config';
import { freshTestDatabase } from '../support/database';
import { freePort, REPO_ROOT, waitFor, type RunningProcess } from '../support/processes';
import { startSims, type Sims } from '../support/sims';
import { uniqueTaskQueue } from '../support/temporal';

const ADMIN_TOKEN = 'built-service-admin-token';

/**
 * Preloaded into the service (NODE_OPTIONS=--require): a module resolved outside the production
 * dependencies (`npm ls --omit=dev`), or from the TypeScript sources, fails as it would in the image.
 */
const PRODUCTION_ONLY_HOOK = `
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const allowed = new Set(readFileSync(process.env.BOS_PRODUCTION_PACKAGES, 'utf8').split('\\n').filter(Boolean));
const sources = ${JSON.stringify(path.join(REPO_ROOT, 'src') + path.sep)};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const file = resolve.call(this, request, ...rest);
  const at = file.lastIndexOf('/node_modules/');
  let problem;
  if (file.startsWith(sources) || file.endsWith('.ts')) problem = 'a TypeScript source';
  else if (at >= 0) {
    const parts = file.slice(at + '/node_modules/'.length).split('/');
    const dir = file.slice(0, at + '/node_modules/'.length) + parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join('/');
    if (!allowed.has(dir)) problem = 'outside the production dependencies';
  }
  if (problem) {
    const message = 'built-service: ' + request + ' (' + file + ') is ' + problem;
    process.stderr.write(message + '\\n');
    throw new Error(message);
  }
  return file;
};
`;

describe('the built service (what the container image runs)', () => {
  let buildDir: string;
  let sims: Sims | undefined;

  beforeAll(() => {
    buildDir = mkdtempSync(path.join(os.tmpdir(), 'bos-built-'));
    // As in the image: dist/ beside node_modules (here the repository's, filtered by the hook).
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
    execFileSync(process.execPath, ['scripts/build.js', path.join(buildDir, 'dist')], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
    // What `npm ci --omit=dev` installs. An extraneous package makes npm ls exit 1: the list stands.
    const packages = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).stdout;
    expect(packages).toContain(path.join(REPO_ROOT, 'node_modules', '@temporalio', 'worker'));
    writeFileSync(path.join(buildDir, 'production-packages.txt'), packages);
    writeFileSync(path.join(buildDir, 'production-only.js'), PRODUCTION_ONLY_HOOK);
  });
  afterEach(async () => {
    await sims?.close();
    sims = undefined;
  });
  afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

  /** `node dist/main.js [role]` as the image's entrypoint runs it, with only `env` (plus PATH and HOME). */
  function runBuilt(env: Record<string, string>): RunningProcess {
    const child = spawn(process.execPath, ['dist/main.js', 'all'], {
      cwd: buildDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        NODE_OPTIONS: `--require ${path.join(buildDir, 'production-only.js')}`,
        BOS_PRODUCTION_PACKAGES: path.join(buildDir, 'production-packages.txt'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  /** The image's HEALTHCHECK command, with the container's environment. */
  function healthcheck(env: Record<string, string>): { status: number; output: string } {
    try {
      const output = execFileSync(process.execPath, ['scripts/container-healthcheck.js'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      });
      return { status: 0, output };
    } catch (err) {
      const failed = err as { status: number; stdout: string };
      return { status: failed.status, output: failed.stdout };
    }
  }

  it('builds dist/ with the workflow bundle, runs a full sync to the end through its gateway, and Ctrl-C exits 0', async () => {
    expect(existsSync(path.join(buildDir, 'dist', 'workflow-bundle.js'))).toBe(true);
    sims = await startSims({ catalog: { products: 30 } });
    const port = await freePort();
    const env = {
      ...sims.env,
      TEMPORAL_ADDRESS: process.env.BOS_TEST_TEMPORAL_ADDRESS!,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('built-service'),
      DATABASE_URL: await freshTestDatabase(),
      PORT: String(port),
      WEBHOOK_SECRET: 'built-service-webhook-secret',
      ADMIN_TOKEN,
      LOG_FORMAT: 'json',
      // Several workers may run at once on this machine.
      WORKER_METRICS_ADDRESS: 'off',
    };
    const config = testConfig(env);
    const proc = runBuilt(env);
    try {
      await waitFor('the gateway to be ready', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/ready`);
        return res.status === 200 ? true : undefined;
      });
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const started = await Promise.all(
        ['/CategoriesFullSync', '/ProductFullSync'].map(async (route) => {
          const res = await fetch(`http://127.0.0.1:${port}${route}`, { method: 'POST', headers: admin });
          expect(res.status).toBe(202);
          return ((await res.json()) as { workflowId: string }).workflowId;
        }),
      );
      for (const workflowId of started) {
        const done = await waitFor(`${workflowId} to complete`, async () => {
          const res = await fetch(`http://127.0.0.1:${port}/syncs/${encodeURIComponent(workflowId)}`, {
            headers: admin,
          });
          const body = (await res.json()) as { status: string; result?: { status: string } };
          return body.status === 'RUNNING' ? undefined : body;
        });
        expect(done).toMatchObject({ status: 'COMPLETED', result: { status: 'completed' } });
      }
      const expected = expectedOcctooState(sims.catalog, config, sims.occtoo.mediaFiles());
      expect(compareWithOcctoo(expected, sims.occtoo, config.occtoo)).toEqual([]);
      expect(expected.products.size).toBeGreaterThan(20);
      expect(expected.categories.size).toBeGreaterThan(5);

      const healthy = healthcheck({ PORT: String(port), WORKER_METRICS_ADDRESS: 'off' });
      expect(healthy).toEqual({ status: 0, output: expect.stringContaining('/health answered 200') });
    } catch (err) {
      // What the service said is what explains a failure here.
      throw new Error(`${String(err)}\n--- node dist/main.js said:\n${proc.output().slice(-6000)}`);
    } finally {
      proc.child.kill('SIGINT');
    }
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"msg":"Stopped"');
    expect(proc.output()).not.toContain('built-service:');
    // Stopped: the HEALTHCHECK fails (nothing on the gateway's port, nor on the worker's).
    expect(
      healthcheck({ PORT: String(port), WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` }).status,
    ).toBe(1);
  });
});
