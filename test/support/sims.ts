/** Both simulators over real HTTP, and a configuration pointing at them. */
import { generateCatalog, type Catalog, type CatalogOptions } from '../../src/sim/catalog';
import { startBluestoneSim, type BluestoneSim, type BluestoneSimOptions } from '../../src/sim/bluestone-sim';
import { startOcctooSim, type OcctooSim, type OcctooSimOptions } from '../../src/sim/occtoo-sim';
import type { FaultOptions } from '../../src/sim/faults';
import type { OcctooEntity } from '../../src/occtoo/types';

export const SIM_PROVIDER = { id: 'sim-provider', secret: 'sim-provider-secret' };
/** Another data provider writing into the same data sources (give it `allowedSources`). */
export const OTHER_PROVIDER = { id: 'other-provider', secret: 'other-provider-secret' };
/** The key of the entity it writes: no Bluestone product or category has it. */
export const FOREIGN_KEY = 'written-by-someone-else';

/** Imports an entity as another data provider would, straight into the Occtoo simulator. */
export async function writeAsSomeoneElse(occtooUrl: string, source: string): Promise<OcctooEntity> {
  const token = await fetch(`${occtooUrl}/dataProviders/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OTHER_PROVIDER),
  }).then(async (r) => ((await r.json()) as { result: { accessToken: string } }).result.accessToken);
  const entity = {
    key: FOREIGN_KEY,
    properties: [{ id: 'Name', value: 'Not from Bluestone', language: 'en' }],
  };
  const answer = await fetch(`${occtooUrl}/import/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ entities: [entity] }),
  });
  if (!answer.ok)
    throw new Error(`the other provider's import failed: ${answer.status} ${await answer.text()}`);
  return entity;
}

export interface Sims {
  bluestone: BluestoneSim;
  occtoo: OcctooSim;
  catalog: Catalog;
  /** Env-style configuration for the service (pass to testConfig). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSims(
  options: {
    catalog?: CatalogOptions;
    bluestone?: Omit<BluestoneSimOptions, 'catalog'>;
    occtoo?: Partial<OcctooSimOptions>;
    faults?: FaultOptions;
  } = {},
): Promise<Sims> {
  const catalog = generateCatalog({ seed: 7, products: 30, ...options.catalog });
  const bluestone = await startBluestoneSim({
    apiKey: 'sim-papi-key',
    faults: options.faults,
    ...options.bluestone,
    catalog,
  });
  const occtoo = await startOcctooSim({
    providers: [{ ...SIM_PROVIDER, allowedSources: ['products', 'categories', 'media', 'setup'] }],
    mediaProcessingDelayMs: 20,
    faults: options.faults,
    ...options.occtoo,
  });
  const [first, ...rest] = catalog.contexts;
  const language = (c: string) =>
    ({ en: 'en', l3471: 'sv', l3472: 'de' })[c] ?? c.replace(/[^A-Za-z0-9]/g, '').slice(0, 10);
  return {
    bluestone,
    occtoo,
    catalog,
    env: {
      BLUESTONE_API_URL: bluestone.url,
      BLUESTONE_API_KEY: bluestone.apiKey,
      BLUESTONE_DEFAULT_CONTEXT: `${first.context}:${language(first.context)}`,
      BLUESTONE_ADDITIONAL_CONTEXTS: rest.map((c) => `${c.context}:${language(c.context)}`).join(','),
      OCCTOO_INGEST_URL: occtoo.url,
      OCCTOO_DATA_PROVIDER_ID: SIM_PROVIDER.id,
      OCCTOO_DATA_PROVIDER_SECRET: SIM_PROVIDER.secret,
      OCCTOO_PRODUCTS_SOURCE: 'products',
      OCCTOO_CATEGORIES_SOURCE: 'categories',
      OCCTOO_MEDIA_SOURCE: 'media',
    },
    async close() {
      await Promise.all([bluestone.close(), occtoo.close()]);
    },
  };
}
