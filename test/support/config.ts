import { loadConfig, type Config } from '../../src/config';

/** A valid configuration for tests; pass env-style overrides (e.g. simulator URLs). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    BLUESTONE_API_KEY: 'test-papi-key',
    OCCTOO_DATA_PROVIDER_ID: 'test-provider',
    OCCTOO_DATA_PROVIDER_SECRET: 'test-provider-secret',
    OCCTOO_PRODUCTS_SOURCE: 'products',
    OCCTOO_CATEGORIES_SOURCE: 'categories',
    OCCTOO_MEDIA_SOURCE: 'media',
    WEBHOOK_SECRET: 'test-webhook-secret',
    ADMIN_TOKEN: 'test-admin-token',
    LOG_LEVEL: 'WARN',
    // The run's PostgreSQL (globalSetup); fixtures swap in a fresh database of their own.
    ...(process.env.BOS_TEST_DATABASE_URL ? { DATABASE_URL: process.env.BOS_TEST_DATABASE_URL } : {}),
    ...overrides,
  });
}
