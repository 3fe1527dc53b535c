/**
 * docs/configuration.md is generated from the configuration schema (scripts/generate-config-docs.ts):
 * these tests fail when it is stale, when a variable is undocumented, and when .env.example
 * names a variable the service does not read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { environmentSchema, settings } from '../../src/config';
import {
  CONFIGURATION_DOC,
  documentedVariables,
  renderConfigurationDoc,
} from '../../scripts/generate-config-docs';

const ROOT = path.resolve(__dirname, '../..');

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` writes from the schema now', () => {
    const written = readFileSync(CONFIGURATION_DOC, 'utf8');
    if (written !== renderConfigurationDoc()) {
      throw new Error('docs/configuration.md is stale: run `npm run docs:config` and commit the result');
    }
  });

  it('documents every variable the schema knows', () => {
    const doc = readFileSync(CONFIGURATION_DOC, 'utf8');
    const names = Object.keys(environmentSchema.shape);
    expect(names.length).toBeGreaterThan(40);
    for (const name of names) expect(doc).toContain(`### \`${name}\``);
  });
});

describe('configuration schema documentation', () => {
  it('shows each default as a value that parses to the default the schema applies', () => {
    for (const { name, about } of documentedVariables()) {
      const field = environmentSchema.shape[name as keyof typeof environmentSchema.shape];
      const applied = field.safeParse(undefined);
      if (applied.success && applied.data !== undefined) {
        expect({ name, default: about.default }).toEqual({ name, default: expect.any(String) });
        const shown = field.safeParse(about.default);
        expect({ name, same: shown.success && isDeepStrictEqual(shown.data, applied.data) }).toEqual({
          name,
          same: true,
        });
      } else {
        expect({ name, default: about.default }).toEqual({ name, default: undefined });
      }
    }
  });

  it('gives each example as a value the schema accepts', () => {
    for (const [name, field] of Object.entries(environmentSchema.shape)) {
      const example = settings.get(field)?.example;
      if (example !== undefined)
        expect({ name, valid: field.safeParse(example).success }).toEqual({ name, valid: true });
    }
  });
});

describe('.env.example', () => {
  it('names only variables the schema knows', () => {
    const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const named = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    const known = new Set(Object.keys(environmentSchema.shape));
    expect(named.filter((name) => !known.has(name))).toEqual([]);
  });
});
