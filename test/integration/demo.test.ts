/**
 * `npm run demo -- --exit` exactly as a user runs it on a fresh clone: no configuration, the
 * embedded Temporal server, both simulators, a setup sync, a full sync, a publish through the
 * gateway (a value cleared, a product unpublished, two archived, one webhook lost), a second full
 * sync that repairs what the lost webhook missed; it must print the summary with what was cleared
 * and deleted and Occtoo equal to the catalog, exit 0, and leave no process behind.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { processesMentioning, REPO_ROOT, waitFor } from '../support/processes';

// The demo's own Temporal database folder: its server's command line names it.
const DEMO_DATA_DIR = path.join(REPO_ROOT, '.data', 'demo');

const count = (text: string) => Number(text.replace(/,/g, ''));

describe('npm run demo -- --exit', () => {
  it('runs the whole demo, prints the summary with Occtoo equal to the catalog, exits 0 and leaves nothing running', async () => {
    const child = spawn('npm', ['run', 'demo', '--', '--exit'], {
      cwd: REPO_ROOT,
      // No developer .env or credentials: only what a fresh shell has.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true' },
      // Its own process group, so that a failed test can stop the whole tree.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // While it runs, its Temporal server and PostgreSQL show up in the process list (so the check
    // below can fail).
    let sawServer = false;
    let sawPostgres = false;
    const sampler = setInterval(() => {
      const processes = processesMentioning(DEMO_DATA_DIR);
      if (processes.some((p) => p.includes('start-dev'))) sawServer = true;
      if (processes.some((p) => p.includes(`postgres -D ${DEMO_DATA_DIR}`))) sawPostgres = true;
    }, 500);
    let code: number | null;
    try {
      code = await exited;
    } finally {
      clearInterval(sampler);
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    }

    expect({ code, tail: code === 0 ? '' : output.slice(-4000) }).toEqual({ code: 0, tail: '' });
    expect(sawServer).toBe(true);
    expect(sawPostgres).toBe(true);
    expect(output).toContain('Setup sync done');
    // The full sync's progress, as lines (no terminal), up to its end.
    expect(output).toMatch(/100%\s+\(done\)\s+categories ([\d,]+)\/\1, products ([\d,]+)\/\2/);
    expect(output).toContain('Occtoo equals the catalog: yes');

    // The table: per source, Occtoo holds what the catalog maps to.
    for (const source of ['products', 'categories', 'media']) {
      const row = output.match(new RegExp(`^\\s+${source}\\s+([\\d,]+)\\s+([\\d,]+)\\s+[≥\\d,\\s]+$`, 'm'));
      expect(row).not.toBeNull();
      const [, expected, inOcctoo] = row!;
      expect(count(inOcctoo)).toBe(count(expected));
      expect(count(expected)).toBeGreaterThan(0);
    }
    expect(output).toMatch(/Incremental latency: \d+\.\d s from the publish/);

    // What was cleared and deleted, from the workflows' results (the comparison above proves it).
    expect(output).toMatch(
      /^\s+cleared\s+Description of product \S+, removed in Bluestone \(en, sv\): cleared in Occtoo$/m,
    );
    // DELETE_ON_UNPUBLISH (default true): the delivered unpublish is deleted by its incremental sync.
    expect(output).toMatch(
      /^\s+unpublished\s+\S+ \(webhook delivered\): its incremental syncs deleted 1 from Occtoo$/m,
    );
    expect(output).toMatch(/^\s+archived\s+2 products: the archive deleted 2 from Occtoo$/m);
    const lost = output.match(
      /^\s+lost webhook\s+3 syncs \((\S+) changed, (\S+) unpublished\): no incremental sync ran$/m,
    );
    expect(lost).not.toBeNull();
    // The repair: the lost change sent in each context, the lost unpublish deleted by reconciliation.
    expect(output).toMatch(
      /^\s+full sync\s+3 sent over 3 contexts \(what the lost webhook missed\); reconciliation done$/m,
    );
    expect(output).toMatch(
      new RegExp(`^\\s+bluestoneProducts\\s+delete\\s+1\\s+[\\d,]+\\s+${lost![2]}$`, 'm'),
    );
    expect(output).toMatch(/^\s+bluestoneCategories\s+delete\s+0\s+[\d,]+$/m);
    // Where to look: the Temporal UI links of every workflow, the simulators' routes, the gateway.
    for (const label of [
      'setup sync',
      'full sync',
      'incremental en (changes)',
      'incremental en (unpublish)',
      'coordinator',
      'archive',
      'full sync (repair)',
    ]) {
      expect(output).toMatch(
        new RegExp(
          `^\\s+${label.replace(/[()]/g, '\\$&')}\\s+http://localhost:\\d+/namespaces/default/workflows/`,
          'm',
        ),
      );
    }
    expect(output).toMatch(/\/_inspect\/stats/);
    expect(output).toMatch(/\/_admin\/webhooks/);
    expect(output).toMatch(/webhook URL\s+http:\/\/127\.0\.0\.1:\d+\/webhooks\/bluestone/);
    expect(output).toMatch(/admin token\s+\S+/);
    expect(output).toContain('Stopped.');

    await waitFor(
      'no process of the demo to be left',
      async () => (processesMentioning(DEMO_DATA_DIR).length === 0 ? true : undefined),
      10_000,
    ).catch(() => undefined);
    expect(processesMentioning(DEMO_DATA_DIR)).toEqual([]);
  }, 150_000);
});
