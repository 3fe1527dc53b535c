import { createHash } from 'node:crypto';
import { sanitizeKey, sanitizePropertyId } from '../../../src/mapping';
import { OCCTOO_ID_PATTERN } from '../../../src/occtoo/types';
import { hostileString, prng } from './fixtures';

const sha8 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 8);

describe('sanitizeKey / sanitizePropertyId', () => {
  it.each(['abc', 'ABC-123_x', '0', '-', '_', 'x'.repeat(256)])('leaves the valid id %s unchanged', (id) => {
    expect(sanitizeKey(id)).toBe(id);
    expect(sanitizePropertyId(id)).toBe(id);
  });

  it('replaces each disallowed character with _ and appends 8 hex of sha256 of the original', () => {
    expect(sanitizeKey('a.b')).toBe(`a_b-${sha8('a.b')}`);
    expect(sanitizeKey('SKU 12/34')).toBe(`SKU_12_34-${sha8('SKU 12/34')}`);
    expect(sanitizePropertyId('@2')).toBe(`_2-${sha8('@2')}`);
  });

  it('transliterates common Latin letters before replacing', () => {
    expect(sanitizePropertyId('Größe')).toBe(`Grosse-${sha8('Größe')}`);
    expect(sanitizePropertyId('Grösse')).toBe(`Grosse-${sha8('Grösse')}`);
    expect(sanitizePropertyId('Færøyene Ålesund')).toBe(`Faeroyene_Alesund-${sha8('Færøyene Ålesund')}`);
  });

  it('keeps apart inputs that read alike once sanitized', () => {
    const pairs: [string, string][] = [
      ['a.b', 'a/b'],
      ['a b', 'a_b'],
      ['Größe', 'Grösse'],
      ['x'.repeat(300), `${'x'.repeat(299)}y`],
    ];
    for (const [a, b] of pairs) {
      expect(sanitizePropertyId(a)).not.toBe(sanitizePropertyId(b));
    }
  });

  it('cuts a 300-character id to exactly 256 characters, hash included', () => {
    const long = 'N'.repeat(300);
    const id = sanitizeKey(long);
    expect(id).toHaveLength(256);
    expect(id).toBe(`${'N'.repeat(247)}-${sha8(long)}`);
  });

  it('gives an empty string a valid id made of its hash', () => {
    expect(sanitizePropertyId('')).toBe(`-${sha8('')}`);
  });

  it('is idempotent and deterministic', () => {
    for (const raw of ['a.b', 'Größe', ' ', 'x'.repeat(400), '😀']) {
      const once = sanitizeKey(raw);
      expect(sanitizeKey(once)).toBe(once);
      expect(sanitizeKey(raw)).toBe(once);
    }
  });

  it('turns 5000 random hostile strings into valid, distinct ids', () => {
    const random = prng(42);
    const byId = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const raw = hostileString(random, 8);
      const id = sanitizePropertyId(raw);
      expect(id).toMatch(OCCTOO_ID_PATTERN);
      const earlier = byId.get(id);
      if (earlier !== undefined) expect(earlier).toBe(raw);
      byId.set(id, raw);
    }
    // The generator really produced a varied, mostly invalid sample.
    expect(byId.size).toBeGreaterThan(3000);
    expect([...byId.values()].filter((raw) => !OCCTOO_ID_PATTERN.test(raw)).length).toBeGreaterThan(2000);
  });
});
