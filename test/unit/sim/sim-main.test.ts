/**
 * `npm run sim` as a user runs it: a real process whose printed URLs and credentials work, and
 * which stops cleanly on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import axios from 'axios';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const http = axios.create({ validateStatus: () => true, timeout: 5000 });

/** The `KEY=value` lines the simulator prints for `.env`. */
function envLines(output: string): Record<string, string> {
  return Object.fromEntries(
    output
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

describe('npm run sim', () => {
  let child: ChildProcess | undefined;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        require.resolve('tsx/cli'),
        'src/sim/main.ts',
        '--products',
        '20',
        '--bluestone-port',
        '0',
        '--occtoo-port',
        '0',
      ],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!output.includes('Ctrl-C stops both') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 30_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints env lines whose URLs and credentials answer, then exits 0 on Ctrl-C', async () => {
    expect(output).toContain('Ctrl-C stops both');
    const env = envLines(output);
    expect(env.BLUESTONE_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(env.OCCTOO_INGEST_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.BLUESTONE_DEFAULT_CONTEXT).toBe('en:en');
    expect(env.BLUESTONE_ADDITIONAL_CONTEXTS).toBe('l3471:sv,l3472:de');
    for (const name of ['OCCTOO_PRODUCTS_SOURCE', 'OCCTOO_CATEGORIES_SOURCE', 'OCCTOO_MEDIA_SOURCE']) {
      expect(env[name]).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(env.WEBHOOK_SECRET?.length).toBeGreaterThan(10);

    const health = await http.get(`${env.BLUESTONE_API_URL}/health`);
    expect(health.status).toBe(200);
    expect(health.data).toEqual({ status: 'UP' });

    // A product read with the printed key: the cursor's first page, then that product by id.
    const headers = { 'x-api-key': env.BLUESTONE_API_KEY, context: 'l3471' };
    const page = await http.post(`${env.BLUESTONE_API_URL}/products/cursor/all`, { limit: 5 }, { headers });
    expect(page.status).toBe(200);
    expect(page.data.results).toHaveLength(5);
    const id = page.data.results[0].id as string;
    const product = await http.get(`${env.BLUESTONE_API_URL}/products/${id}`, { headers });
    expect(product.status).toBe(200);
    expect(product.data.id).toBe(id);
    // ...and the key really is checked.
    const wrongKey = await http.get(`${env.BLUESTONE_API_URL}/products/${id}`, {
      headers: { 'x-api-key': 'not-the-key' },
    });
    expect(wrongKey.status).toBe(403);

    const token = await http.post(`${env.OCCTOO_INGEST_URL}/dataProviders/tokens`, {
      id: env.OCCTOO_DATA_PROVIDER_ID,
      secret: env.OCCTOO_DATA_PROVIDER_SECRET,
    });
    expect(token.status).toBe(200);
    expect(token.data.result.accessToken).toEqual(expect.any(String));
    const imported = await http.post(
      `${env.OCCTOO_INGEST_URL}/import/${env.OCCTOO_PRODUCTS_SOURCE}`,
      { entities: [{ key: 'p1', properties: [{ id: 'Name', value: 'One' }] }] },
      { headers: { authorization: `Bearer ${token.data.result.accessToken}` } },
    );
    expect(imported.status).toBe(202);
    const badSecret = await http.post(`${env.OCCTOO_INGEST_URL}/dataProviders/tokens`, {
      id: env.OCCTOO_DATA_PROVIDER_ID,
      secret: 'wrong',
    });
    expect(badSecret.status).toBe(401);

    // The printed inspection route shows what arrived.
    const inspect = await http.get(`${env.OCCTOO_INGEST_URL}/_inspect/sources/${env.OCCTOO_PRODUCTS_SOURCE}`);
    expect(inspect.data.count).toBe(1);

    child!.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping the simulators');
    // Both ports are closed now.
    await expect(axios.get(`${env.BLUESTONE_API_URL}/health`, { timeout: 2000 })).rejects.toThrow();
  }, 30_000);

  it('refuses an invalid option with a message that says what to fix', async () => {
    const bad = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), 'src/sim/main.ts', '--products', 'many'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    bad.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--products must be a whole number');
  }, 20_000);
});
