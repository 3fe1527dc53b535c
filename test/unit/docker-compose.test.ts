/**
 * docker-compose.temporal.yml, the whole stack on one Docker host: its services and images (none
 * deprecated), healthchecks and start order, the service built from the Dockerfile and configured
 * by variables the service accepts, ports on 127.0.0.1 by default, passwords from variables, the
 * same search attributes as the code; and `docker compose config -q` where Compose is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { environmentSchema, loadConfig } from '../../src/config';
import { STOP_ALLOWANCE_SECONDS } from '../../src/service';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';

const ROOT = path.resolve(__dirname, '../..');
const FILE = path.join(ROOT, 'docker-compose.temporal.yml');
const text = readFileSync(FILE, 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  command?: unknown;
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  volumes?: string[];
};
// `merge`: the gateway and the workers share one `<<: *sync-service` block, as Compose reads it.
const compose = parse(text, { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const { services } = compose;

/** Values for the variables the file requires (`${VAR:?…}`), as an operator's .env gives them. */
const REQUIRED_VARIABLES: Record<string, string> = {
  TEMPORAL_DB_PASSWORD: 'temporal-db-password',
  RECORD_DB_PASSWORD: 'recorddbpassword',
  BLUESTONE_API_KEY: 'bluestone-api-key',
  OCCTOO_DATA_PROVIDER_ID: 'provider-id',
  OCCTOO_DATA_PROVIDER_SECRET: 'provider-secret',
  OCCTOO_PRODUCTS_SOURCE: 'products',
  OCCTOO_CATEGORIES_SOURCE: 'categories',
  OCCTOO_MEDIA_SOURCE: 'media',
  WEBHOOK_SECRET: 'a-webhook-secret-of-16+',
};

/** Compose's interpolation of one value: `$$`, `${VAR}`, `${VAR:-default}`, `${VAR:?message}`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}/g,
    (match, name, op, arg) => {
      if (match === '$$') return '$';
      const set = env[name] !== undefined && (env[name] !== '' || !op?.startsWith(':'));
      if (set) return env[name];
      if (op?.endsWith('?')) throw new Error(`required variable ${name} is missing: ${arg}`);
      return op ? (arg as string) : '';
    },
  );
}

function environmentOf(name: string, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]),
  );
}

const LONG_RUNNING = ['postgresql', 'temporal', 'temporal-ui', 'gateway', 'worker'];
const ONE_SHOTS = ['temporal-schema', 'temporal-namespace', 'temporal-search-attributes', 'record-database'];

describe('docker-compose.temporal.yml', () => {
  it('runs PostgreSQL, Temporal with its set-up steps, the Web UI, admin tools, a gateway and workers', () => {
    expect(Object.keys(services).sort()).toEqual(
      [...LONG_RUNNING, ...ONE_SHOTS, 'temporal-admin-tools'].sort(),
    );
    expect(services.postgresql.image).toMatch(/^postgres:/);
    expect(services.postgresql.volumes).toEqual(['temporal-postgres:/var/lib/postgresql/data']);
    expect(compose.volumes).toHaveProperty('temporal-postgres');
    expect(services['temporal-ui'].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it('pins every image and uses none that Temporal deprecated (auto-setup)', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      const image = interpolate(service.image ?? '', {});
      expect({ name, image }).toEqual({ name, image: expect.stringMatching(/^[a-z/-]+:\d+\.\d+(\.\d+)?$/) });
      expect(image).not.toMatch(/auto-setup/);
    }
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    for (const name of ['temporal-schema', 'temporal-namespace', 'temporal-search-attributes']) {
      expect(services[name].image).toMatch(/^temporalio\/admin-tools:/);
    }
  });

  it("sets up Temporal's schema with temporal-sql-tool before the server starts, then the namespace", () => {
    const setup = JSON.stringify(services['temporal-schema'].command);
    expect(setup).toContain('temporal-sql-tool --plugin postgres12');
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d']) expect(setup).toContain(step);
    expect(setup).toContain('temporal:temporal temporal_visibility:visibility');
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    const namespace = JSON.stringify(services['temporal-namespace'].command);
    expect(namespace).toContain('temporal operator namespace create --namespace');
  });

  it("creates the service's record as a second database with its own user", () => {
    const env = environmentOf('record-database', REQUIRED_VARIABLES);
    expect(env).toMatchObject({
      PGHOST: 'postgresql',
      RECORD_DB_NAME: 'bluestone_occtoo',
      RECORD_DB_USER: 'bluestone_occtoo',
      RECORD_DB_PASSWORD: REQUIRED_VARIABLES.RECORD_DB_PASSWORD,
    });
    const script = JSON.stringify(services['record-database'].command);
    expect(script).toContain('CREATE DATABASE %I OWNER %I');
    const { DATABASE_URL } = environmentOf('worker', REQUIRED_VARIABLES);
    expect(DATABASE_URL).toBe(
      'postgres://bluestone_occtoo:recorddbpassword@postgresql:5432/bluestone_occtoo',
    );
  });

  it('gives every long-running service a healthcheck', () => {
    for (const name of LONG_RUNNING.filter((n) => n !== 'temporal-ui')) {
      expect({ name, test: services[name].healthcheck?.test }).toEqual({ name, test: expect.any(Array) });
    }
    // The service's own: readiness routes that exist (the gateway's /ready, the worker's /readyz).
    expect(JSON.stringify(services.gateway.healthcheck)).toContain('http://127.0.0.1:3000/ready');
    expect(JSON.stringify(services.worker.healthcheck)).toContain('http://127.0.0.1:9464/readyz');
    expect(readFileSync(path.join(ROOT, 'src/api/health.ts'), 'utf8')).toContain("router.get('/ready'");
    expect(readFileSync(path.join(ROOT, 'src/worker/endpoint.ts'), 'utf8')).toContain("'/readyz'");
  });

  it('starts each service once what it needs is healthy or done', () => {
    const expected: Record<string, Record<string, string>> = {
      'temporal-schema': { postgresql: 'service_healthy' },
      'record-database': { postgresql: 'service_healthy' },
      temporal: { 'temporal-schema': 'service_completed_successfully' },
      'temporal-namespace': { temporal: 'service_healthy' },
      'temporal-search-attributes': { 'temporal-namespace': 'service_completed_successfully' },
      'temporal-ui': { temporal: 'service_healthy' },
      'temporal-admin-tools': { temporal: 'service_healthy' },
      gateway: {
        temporal: 'service_healthy',
        'temporal-search-attributes': 'service_completed_successfully',
        'record-database': 'service_completed_successfully',
      },
    };
    expected.worker = expected.gateway;
    for (const [name, service] of Object.entries(services)) {
      const conditions = Object.fromEntries(
        Object.entries(service.depends_on ?? {}).map(([dependency, { condition }]) => [
          dependency,
          condition,
        ]),
      );
      expect({ name, conditions }).toEqual({ name, conditions: expected[name] ?? {} });
      // A condition the dependency can meet: a healthcheck for _healthy, a one-shot for _completed.
      for (const [dependency, condition] of Object.entries(conditions)) {
        if (condition === 'service_healthy') expect(services[dependency].healthcheck).toBeDefined();
        else expect(ONE_SHOTS).toContain(dependency);
      }
    }
    for (const name of ONE_SHOTS) expect(services[name].restart).toMatch(/^on-failure/);
  });

  it('builds the gateway and two workers from the Dockerfile, one role each', () => {
    expect(existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
    for (const name of ['gateway', 'worker']) {
      expect(services[name].build).toBe('.');
      expect(services[name].image).toBe(services.gateway.image);
    }
    expect(services.gateway.command).toEqual(['gateway']);
    expect(services.worker.command).toEqual(['worker']);
    expect(services.worker.deploy?.replicas).toBe(2);
    // The image's entrypoint takes the role as its first argument.
    expect(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toContain(
      'ENTRYPOINT ["node", "/app/dist/main.js"]',
    );
  });

  it('configures the service with settings it accepts, required ones stopping Compose with a message', () => {
    const env = environmentOf('worker', REQUIRED_VARIABLES);
    // Node's own NODE_OPTIONS aside, a name the service does not know would be ignored: a typo.
    const known = [...Object.keys(environmentSchema.shape), 'NODE_OPTIONS'];
    for (const name of Object.keys(env))
      expect({ name, known: known.includes(name) }).toEqual({ name, known: true });
    const config = loadConfig(env);
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.temporal.metricsAddress).toBe('0.0.0.0:9464');
    expect(config.gateway.port).toBe(3000);
    for (const variable of Object.keys(REQUIRED_VARIABLES)) {
      const { [variable]: _missing, ...rest } = REQUIRED_VARIABLES;
      const everywhere = () => Object.keys(services).forEach((name) => environmentOf(name, rest));
      expect(everywhere).toThrow(new RegExp(`required variable ${variable} is missing: set ${variable}`));
    }
  });

  it('stops the service no sooner than its stop sequence allows', () => {
    const graceSeconds = loadConfig(environmentOf('worker', REQUIRED_VARIABLES)).temporal
      .shutdownGraceSeconds;
    for (const name of ['gateway', 'worker']) {
      const seconds = Number(/^(\d+)s$/.exec(services[name].stop_grace_period ?? '')?.[1]);
      expect(seconds).toBeGreaterThan(graceSeconds + STOP_ALLOWANCE_SECONDS);
    }
  });

  it('publishes ports on 127.0.0.1 unless BIND_ADDRESS says otherwise', () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => ({ name, p })),
    );
    expect(published.map(({ name }) => name).sort()).toEqual(['gateway', 'temporal', 'temporal-ui']);
    for (const { p } of published) {
      expect(p).toMatch(/^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:/);
      expect(interpolate(p, {})).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('takes every password and secret from a variable, with no default', () => {
    const secret = /PASSWORD|PWD|SECRET|API_KEY|TOKEN|DATABASE_URL/;
    let checked = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!secret.test(key)) continue;
        checked += 1;
        // Unset, it stops Compose (`${VAR:?…}`) or stays empty (`${VAR:-}`): no literal or default secret.
        let unset: string;
        try {
          unset = interpolate(String(value), {});
        } catch {
          unset = 'required';
        }
        expect({ name, key, unset }).toEqual({ name, key, unset: expect.stringMatching(/^(required)?$/) });
      }
    }
    expect(checked).toBeGreaterThan(8);
    expect(() => interpolate(String(services.postgresql.environment?.POSTGRES_PASSWORD), {})).toThrow(
      /TEMPORAL_DB_PASSWORD/,
    );
  });

  it('registers exactly the search attributes the workflows use', () => {
    const command = JSON.stringify(services['temporal-search-attributes'].command);
    const registered = /for name in ([^;]+); do/.exec(command)![1].trim().split(/\s+/);
    expect(registered.sort()).toEqual(SEARCH_ATTRIBUTES.map((k) => k.name).sort());
    expect(command).toContain('--type Keyword');
  });

  it("names every variable of its own in the README's compose section", () => {
    const used = [...new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]))];
    const settings = Object.keys(environmentSchema.shape);
    const own = used.filter((v) => !settings.includes(v));
    expect(own.length).toBeGreaterThan(8);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Running with Docker Compose');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    for (const variable of own)
      expect({ variable, named: section.includes(`\`${variable}\``) }).toEqual({ variable, named: true });
  });

  describe('docker compose config -q', () => {
    const cli = composeCli();
    if (cli.found) {
      it(`accepts the file (${cli.command.join(' ')})`, () => {
        const run = spawnSync(cli.command[0], [...cli.command.slice(1), '-f', FILE, 'config', '-q'], {
          cwd: ROOT,
          env: { ...process.env, ...REQUIRED_VARIABLES },
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      });
    } else {
      it(`is not run here: ${cli.reason}`, () => {
        expect(cli.reason).toMatch(/neither .* is installed/);
      });
    }
  });
});

/** `docker compose` (v2) or `docker-compose`, whichever answers `version`. */
function composeCli(): { found: true; command: string[] } | { found: false; reason: string } {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const run = spawnSync(command[0], [...command.slice(1), 'version'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (run.status === 0) return { found: true, command };
  }
  return {
    found: false,
    reason: "neither 'docker compose' nor 'docker-compose' is installed on this machine",
  };
}
