/**
 * The Dockerfile against what the repository holds (no Docker daemon here): the files it copies
 * exist and pass .dockerignore, and the runtime stage runs what test/integration/built-service
 * tests, as an unprivileged user, on a glibc base.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
/** Instructions, with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (line.startsWith('FROM ')) all.push([]);
  all.at(-1)?.push(line);
  return all;
}, []);
const runtime = stages.at(-1)!;

/** Whether .dockerignore lets `file` into the build context (its `*`, `!path` and exclusion lines). */
function inBuildContext(file: string): boolean {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let included = true;
  for (const rule of rules) {
    const negated = rule.startsWith('!');
    const pattern = (negated ? rule.slice(1) : rule).replace(/\/$/, '');
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]]/g, '\\$&')
        .replace(/\*\*\//g, '(.*/)?')
        .replace(/\*/g, '[^/]*')}(/.*)?$`,
    );
    if (regex.test(file)) included = negated;
  }
  return included;
}

describe('the Dockerfile', () => {
  it('builds in one stage and runs in another, both on Debian slim Node 20 (glibc, not Alpine)', () => {
    expect(stages).toHaveLength(2);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE}',
    ]);
    expect(stages[0]).toEqual(expect.arrayContaining(['RUN npm run build']));
    expect(runtime.find((l) => l.startsWith('RUN npm ci'))).toContain('--omit=dev');
    expect(runtime).toEqual(expect.arrayContaining(['COPY --from=build /app/dist ./dist']));
  });

  it('runs node on the compiled entry as a non-root user, every role by its argument, with a healthcheck', () => {
    const user = runtime.find((l) => l.startsWith('USER '))!;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/\b(root|0)(:|$)/);
    expect(runtime).toEqual(
      expect.arrayContaining(['ENTRYPOINT ["node", "/app/dist/main.js"]', 'CMD ["all"]']),
    );
    const healthcheck = runtime.find((l) => l.startsWith('HEALTHCHECK '))!;
    expect(healthcheck).toContain('CMD ["node", "/app/scripts/container-healthcheck.js"]');
    for (const label of ['title', 'licenses', 'version', 'revision', 'source']) {
      expect(dockerfile).toContain(`org.opencontainers.image.${label}=`);
    }
  });

  it('copies only files that exist and that .dockerignore lets in; secrets and local data stay out', () => {
    const copied = instructions
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copied.length).toBeGreaterThan(5);
    for (const file of copied) {
      expect({ file, exists: existsSync(path.join(ROOT, file)), inContext: inBuildContext(file) }).toEqual({
        file,
        exists: true,
        inContext: true,
      });
    }
    for (const kept of [
      '.env',
      '.data/temporal.db',
      'node_modules/pg/package.json',
      'dist/main.js',
      '.git/HEAD',
    ]) {
      expect({ kept, inContext: inBuildContext(kept) }).toEqual({ kept, inContext: false });
    }
  });
});
