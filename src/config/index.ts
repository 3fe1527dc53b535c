/**
 * Service configuration: one zod schema over the environment (and `.env` when present).
 * Every setting of Occtoo's own Bluestone provider has a counterpart here; docs/configuration.md
 * (generated from the schema: `npm run docs:config`) documents each variable.
 */
export { environmentSchema } from './environment';
export { ConfigError, loadConfig, loadDotEnv } from './load';
export { allContexts, configSchema, redactedDatabaseUrl, secretsOf, type Config } from './schema';
export { SECTIONS, settings, type Section, type Setting } from './setting';
export {
  MEDIA_MODES,
  PRODUCT_KEY_MODES,
  type AttributeSelection,
  type ContextMapping,
  type MediaMode,
  type ProductKeyMode,
} from './values';
