import { loadConfig } from '../../../src/config';
import {
  coordinatorSummary,
  fullSyncSummary,
  refreshSummary,
  resyncSummary,
  setupSummary,
} from '../../../src/client/summaries';

const config = loadConfig({
  BLUESTONE_API_KEY: 'papi-key-123',
  BLUESTONE_DEFAULT_CONTEXT: 'en:en',
  BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv,l3472:de',
  OCCTOO_DATA_PROVIDER_ID: 'provider',
  OCCTOO_DATA_PROVIDER_SECRET: 'provider-secret-456',
  OCCTOO_PRODUCTS_SOURCE: 'products',
  OCCTOO_CATEGORIES_SOURCE: 'categories',
  OCCTOO_MEDIA_SOURCE: 'media',
  WEBHOOK_SECRET: 'webhook-secret-789',
});

describe('workflow summaries', () => {
  it('name a full sync by its scope, contexts and flags', () => {
    expect(fullSyncSummary(config, {})).toBe(
      'Full sync · categories and products · en, sv (l3471), de (l3472)',
    );
    expect(fullSyncSummary(config, { categories: false, contexts: ['l3471'] })).toBe(
      'Full sync · products · sv (l3471)',
    );
    expect(
      fullSyncSummary(config, { products: false, dryRun: true, force: true, allowMassDelete: true }),
    ).toBe(
      'Dry run of a full sync · categories · en, sv (l3471), de (l3472) · forced (every entity re-sent) · mass delete allowed',
    );
  });

  it('name the coordinator, the refresh, setup data and a resync', () => {
    expect(coordinatorSummary('bluestone-occtoo')).toBe('Sync coordinator · bluestone-occtoo');
    expect(refreshSummary(5, '15m')).toBe('Refresh · syncs of the last 5 days · every 15m');
    expect(refreshSummary(1)).toBe('Refresh · syncs of the last 1 day · manual');
    expect(setupSummary('manual')).toBe('Setup data · manual');
    expect(resyncSummary({ productIds: ['p-1'], contexts: ['en', 'l3471'] })).toBe(
      'Resync · product p-1 · en, l3471',
    );
    expect(resyncSummary({ productIds: ['p-1', 'p-2'] })).toBe('Resync · 2 products');
  });
});
