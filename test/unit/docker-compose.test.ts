/**
 * docker-compose.temporal.yml, the production-shaped Temporal cluster: well-formed, complete,
 * registering the same search attributes as the code, and documented in the README.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';

const ROOT = path.resolve(__dirname, '../..');
const text = readFileSync(path.join(ROOT, 'docker-compose.temporal.yml'), 'utf8');
const compose = parse(text) as {
  services: Record<string, Record<string, unknown>>;
  volumes?: Record<string, unknown>;
};

describe('docker-compose.temporal.yml', () => {
  it('runs Temporal on PostgreSQL with the Web UI and admin tools', () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(
      ['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-search-attributes', 'temporal-ui'].sort(),
    );
    expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services.postgresql.volumes).toEqual(['temporal-postgres:/var/lib/postgresql/data']);
    expect(compose.volumes).toHaveProperty('temporal-postgres');
    expect(services['temporal-ui'].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it('registers exactly the search attributes the workflows use', () => {
    const command = JSON.stringify(compose.services['temporal-search-attributes'].command);
    const registered = /for name in ([^;]+); do/.exec(command)![1].trim().split(/\s+/);
    expect(registered.sort()).toEqual(SEARCH_ATTRIBUTES.map((k) => k.name).sort());
  });

  it("names every variable it uses in the README's production section", () => {
    const used = [...new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]))];
    expect(used.length).toBeGreaterThan(5);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const production = readme.slice(readme.indexOf('## Running against a real Temporal cluster'));
    for (const variable of used) expect(production).toContain(`\`${variable}\``);
  });
});
