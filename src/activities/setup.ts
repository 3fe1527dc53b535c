import { allContexts, type Config } from '../config';
import type { Logger } from '../logger';
import type { SetupResult } from '../shared/sync-types';
import { ApiError, FailureType, toActivityFailure } from '../http/api-error';
import type { BluestoneClient } from '../bluestone/client';
import { attributeEntity, relationEntity } from '../mapping/setup-entities';
import { mergeEntity } from '../occtoo/merge';
import type { OcctooClient } from '../occtoo/client';
import type { OcctooEntity } from '../occtoo/types';
import { pushEntities } from '../occtoo/push';

export interface SetupDeps {
  config: Config;
  logger: Logger;
  bluestone: BluestoneClient;
  occtoo: OcctooClient;
}

/**
 * Setup data (Optimizely's "Synchronize setup data"): checks every configured context against
 * Bluestone, and pushes attribute and relation definitions to OCCTOO_SETUP_SOURCE (when set) so
 * Occtoo Studio users can see the schema, in every configured language.
 */
export function createSetupActivities(deps: SetupDeps) {
  const { config, bluestone, occtoo, logger } = deps;

  return {
    async syncSetupData(): Promise<SetupResult> {
      try {
        const available = await bluestone.listContexts();
        const configured = allContexts(config);
        const missing = configured.filter((c) => !available.some((a) => a.context === c.context));
        if (missing.length > 0) {
          const valid = available
            .map((a) => (a.contextName ? `${a.context} (${a.contextName})` : a.context))
            .join(', ');
          throw new ApiError({
            type: FailureType.ConfigurationError,
            message: `Bluestone has no context ${missing.map((m) => `"${m.context}"`).join(', ')}; valid contexts are: ${valid}. Fix BLUESTONE_DEFAULT_CONTEXT / BLUESTONE_ADDITIONAL_CONTEXTS.`,
            retryable: false,
          });
        }
        const result: SetupResult = {
          contexts: available.map((a) => ({
            context: a.context,
            contextName: a.contextName,
            configured: configured.some((c) => c.context === a.context),
          })),
          attributes: 0,
          relations: 0,
          pushed: 0,
          setupSource: config.sync.setupSource,
        };
        const entities = new Map<string, OcctooEntity>();
        for (const [index, { context, language }] of configured.entries()) {
          const isDefault = index === 0;
          const [attributes, relations] = await Promise.all([
            bluestone.allAttributes(context),
            bluestone.listRelations(context),
          ]);
          if (isDefault) {
            result.attributes = attributes.length;
            result.relations = relations.length;
          }
          for (const a of attributes) mergeEntity(entities, attributeEntity(a, language, isDefault));
          for (const r of relations) mergeEntity(entities, relationEntity(r, language, isDefault));
        }
        if (config.sync.setupSource) {
          const pushed = await pushEntities(occtoo, config.sync.setupSource, [...entities.values()], {
            concurrency: 2,
            batchSize: config.occtoo.batchSize,
          });
          result.pushed = pushed.sent;
          for (const s of pushed.setAside)
            logger.warn('Setup entity set aside', { key: s.key, reason: s.reason });
        }
        return result;
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}
