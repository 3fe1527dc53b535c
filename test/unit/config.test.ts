import { allContexts, ConfigError, loadConfig, redactedDatabaseUrl, secretsOf } from '../../src/config';
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

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(required);
    expect(c.bluestone.apiUrl).toBe('https://api.bluestonepim.com/v1');
    expect(c.bluestone.defaultContext).toEqual({ context: 'en', language: 'en' });
    expect(c.bluestone.additionalContexts).toEqual([]);
    expect(c.mapping.localizedProductProperties).toEqual(['Name', 'Description']);
    expect(c.mapping.localizedCategoryProperties).toEqual(['Name', 'Description']);
    expect(c.mapping.handleMedia).toBe('bluestone');
    expect(c.mapping.multiValueSeparator).toBe('|');
    expect(c.occtoo.ingestUrl).toBe('https://ingest.occtoo.com');
    expect(c.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      taskQueue: 'bluestone-occtoo',
      devPort: 7233,
      uiPort: 8233,
      dataDir: '.data',
    });
    expect(c.gateway.port).toBe(3000);
  });

  it('parses contexts in the original provider format, default first', () => {
    const c = loadConfig({
      ...required,
      BLUESTONE_DEFAULT_CONTEXT: 'l100:sv',
      BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv-SE, l3472:de ,',
      LOCALIZED_PROPERTIES_PRODUCT: 'Name, description-html ,color',
    });
    expect(allContexts(c)).toEqual([
      { context: 'l100', language: 'sv' },
      { context: 'l3471', language: 'sv-SE' },
      { context: 'l3472', language: 'de' },
    ]);
    expect(c.mapping.localizedProductProperties).toEqual(['Name', 'description-html', 'color']);
  });

  it('strips a trailing slash from URLs, as the original template had one', () => {
    expect(
      loadConfig({ ...required, BLUESTONE_API_URL: 'https://api.test.bluestonepim.com/v1/' }).bluestone
        .apiUrl,
    ).toBe('https://api.test.bluestonepim.com/v1');
  });

  it('treats empty values as unset (a blank line in .env means "use the default")', () => {
    expect(loadConfig({ ...required, HANDLE_MEDIA: '', PORT: ' ' }).mapping.handleMedia).toBe('bluestone');
  });

  it('names each missing variable on its own line, with an example', () => {
    const { BLUESTONE_API_KEY: _a, OCCTOO_MEDIA_SOURCE: _b, ...rest } = required;
    const problems = problemsOf(rest);
    expect(problems).toEqual([
      'BLUESTONE_API_KEY is required but not set (example: BLUESTONE_API_KEY=your-papi-key)',
      'OCCTOO_MEDIA_SOURCE is required but not set (example: OCCTOO_MEDIA_SOURCE=bluestoneMedia)',
    ]);
  });

  it.each([
    ['BLUESTONE_DEFAULT_CONTEXT', 'en', /not of the form bluestoneContext:occtooLanguage/],
    ['BLUESTONE_ADDITIONAL_CONTEXTS', 'l1:x', /language "x" must be 2-10 characters/],
    ['BLUESTONE_ADDITIONAL_CONTEXTS', 'en:en', /listed twice/],
    ['HANDLE_MEDIA', 'azure', /must be one of ignore, bluestone, occtoo/],
    ['PRODUCT_KEY', 'sku', /must be one of id, number/],
    ['PORT', '99999', /must be a port number from 1 to 65535/],
    ['BLUESTONE_API_URL', 'ftp://example.com', /BLUESTONE_API_URL is invalid/],
    ['OCCTOO_PRODUCTS_SOURCE', 'my products', /may only hold letters, digits/],
    ['ALLOW_INSECURE_WEBHOOKS', 'maybe', /ALLOW_INSECURE_WEBHOOKS/],
  ])('rejects %s=%s with a message that says what to fix', (name, value, message) => {
    const problems = problemsOf({ ...required, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}`));
    expect(problems[0]).toMatch(message);
  });

  it('requires WEBHOOK_SECRET unless insecure webhooks are allowed explicitly', () => {
    const { WEBHOOK_SECRET: _w, ...rest } = required;
    expect(problemsOf(rest)).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET is required unless ALLOW_INSECURE_WEBHOOKS=true/),
    ]);
    expect(loadConfig({ ...rest, ALLOW_INSECURE_WEBHOOKS: 'true' }).gateway.webhookSecret).toBeUndefined();
  });

  it('never puts a secret value into an error message', () => {
    const problems = problemsOf({
      ...required,
      OCCTOO_DATA_PROVIDER_SECRET: 'provider-secret-456',
      PORT: 'provider-secret-456',
    });
    expect(problems.join('\n')).not.toContain('provider-secret-456');
  });

  it.each(['WEBHOOK_SECRET', 'ADMIN_TOKEN'])(
    'stops start-up when %s is shorter than 16 characters, naming it and not showing it',
    (name) => {
      for (const short of ['Qz', 'Fifteen-Chars-1', ' Fifteen-Chars-1 ']) {
        const problems = problemsOf({ ...required, [name]: short });
        expect(problems).toEqual([
          expect.stringMatching(
            new RegExp(
              `^${name} is too short: use at least 16 random characters, e\\.g\\. from \`openssl rand -base64 24\``,
            ),
          ),
        ]);
        expect(problems[0]).not.toContain(short.trim());
      }
      expect(loadConfig({ ...required, [name]: 'sixteen-chars-16' })).toBeDefined();
    },
  );

  it('lists the configured secrets so logs can mask them', () => {
    const c = loadConfig({ ...required, ADMIN_TOKEN: 'admin-token-0000' });
    expect(secretsOf(c).sort()).toEqual([
      'admin-token-0000',
      'papi-key-123',
      'provider-secret-456',
      'webhook-secret-789',
    ]);
  });
});

describe('configuration: sync filters', () => {
  it('filters nothing by default', () => {
    expect(loadConfig(required).filters).toEqual({
      productTypes: ['SINGLE', 'GROUP', 'VARIANT', 'BUNDLE'],
      attributesInclude: undefined,
      attributesExclude: { numbers: [], groups: [] },
      labelsExclude: [],
    });
  });

  it('reads comma lists: product types in any case, attribute numbers and group:<groupNumber>, labels', () => {
    const c = loadConfig({
      ...required,
      SYNC_PRODUCT_TYPES: ' single, Group ,SINGLE,',
      SYNC_ATTRIBUTES_INCLUDE: 'color, group:general',
      SYNC_ATTRIBUTES_EXCLUDE: 'weight,Color Code, group: logistics ',
      SYNC_LABELS_EXCLUDE: 'NoSync, discontinued',
    });
    expect(c.filters).toEqual({
      productTypes: ['SINGLE', 'GROUP'],
      attributesInclude: { numbers: ['color'], groups: ['general'] },
      attributesExclude: { numbers: ['weight', 'Color Code'], groups: ['logistics'] },
      labelsExclude: ['NoSync', 'discontinued'],
    });
  });

  it('names each unknown product type, with the valid ones and an example', () => {
    const problems = problemsOf({ ...required, SYNC_PRODUCT_TYPES: 'SINGLE,BUNDLES,kit' });
    expect(problems).toEqual([
      'SYNC_PRODUCT_TYPES is invalid: "BUNDLES" is not a Bluestone product type; use SINGLE, GROUP, VARIANT, BUNDLE (example: SYNC_PRODUCT_TYPES=SINGLE,GROUP,VARIANT)',
      'SYNC_PRODUCT_TYPES is invalid: "kit" is not a Bluestone product type; use SINGLE, GROUP, VARIANT, BUNDLE (example: SYNC_PRODUCT_TYPES=SINGLE,GROUP,VARIANT)',
    ]);
  });

  it('refuses a product type list without any type, and a group item without a group number', () => {
    expect(problemsOf({ ...required, SYNC_PRODUCT_TYPES: ',,' })).toEqual([
      expect.stringMatching(
        /^SYNC_PRODUCT_TYPES is invalid: must list at least one of SINGLE, GROUP, VARIANT, BUNDLE/,
      ),
    ]);
    expect(problemsOf({ ...required, SYNC_ATTRIBUTES_EXCLUDE: 'weight,group:' })).toEqual([
      expect.stringMatching(
        /^SYNC_ATTRIBUTES_EXCLUDE is invalid: "group:" names no group; write group:<groupNumber> \(example: SYNC_ATTRIBUTES_EXCLUDE=/,
      ),
    ]);
  });

  it('reads no page ahead by default, and refuses a read-ahead outside 0 to 4', () => {
    expect(loadConfig(required).sync.readAheadPages).toBe(0);
    expect(loadConfig({ ...required, READ_AHEAD_PAGES: '2' }).sync.readAheadPages).toBe(2);
    for (const bad of ['5', '-1', '1.5', 'many']) {
      expect(problemsOf({ ...required, READ_AHEAD_PAGES: bad })).toEqual([
        'READ_AHEAD_PAGES is invalid: must be a whole number from 0 to 4 (example: READ_AHEAD_PAGES=0)',
      ]);
    }
  });
});

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
