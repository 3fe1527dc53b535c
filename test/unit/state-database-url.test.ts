import { loadConfig, redactedDatabaseUrl, secretsOf } from '../../src/config';
import { createLogger } from '../../src/logger';

const required = {
  BLUESTONE_API_KEY: 'papi-key-123',
  OCCTOO_DATA_PROVIDER_ID: 'provider',
  OCCTOO_DATA_PROVIDER_SECRET: 'provider-secret-456',
  OCCTOO_PRODUCTS_SOURCE: 'products',
  OCCTOO_CATEGORIES_SOURCE: 'categories',
  OCCTOO_MEDIA_SOURCE: 'media',
  WEBHOOK_SECRET: 'webhook-secret-789',
};

describe('DATABASE_URL', () => {
  it('is optional (the embedded PostgreSQL), and must be a postgres:// URL when set', () => {
    expect(loadConfig(required).database.url).toBeUndefined();
    expect(loadConfig({ ...required, DATABASE_URL: 'postgresql://db/x' }).database.url).toBe(
      'postgresql://db/x',
    );
    expect(() => loadConfig({ ...required, DATABASE_URL: 'mysql://u:hunter22@db/x' })).toThrow(
      /DATABASE_URL is invalid: must be a postgres:\/\/ URL \(example: DATABASE_URL=postgres:\/\/bos:secret@db:5432\/bluestone_occtoo\)/,
    );
    expect(() => loadConfig({ ...required, DATABASE_URL: 'mysql://u:hunter22@db/x' })).not.toThrow(
      /hunter22/,
    );
  });

  it('has its password masked in logs, as written and decoded, and redacted in messages', () => {
    const config = loadConfig({ ...required, DATABASE_URL: 'postgres://bos:p%40ss-word@db:5432/bos' });
    expect(secretsOf(config)).toEqual(expect.arrayContaining(['p%40ss-word', 'p@ss-word']));
    const lines: string[] = [];
    const logger = createLogger({
      level: 'INFO',
      format: 'json',
      secrets: secretsOf(config),
      write: (line) => lines.push(line),
    });
    logger.info('Connecting', { url: config.database.url, decoded: 'p@ss-word' });
    expect(lines.join('')).not.toMatch(/p%40ss-word|p@ss-word/);
    expect(redactedDatabaseUrl(config.database.url!)).toBe('postgres://bos:***@db:5432/bos');
    expect(redactedDatabaseUrl('postgres://db/bos')).toBe('postgres://db/bos');
  });
});
