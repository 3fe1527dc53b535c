import type { SearchAttributePair } from '@temporalio/common';
import type { Config } from '../config';
import { SyncEnvironment, SyncKind } from '../shared/search-attributes';

/** Search attributes a starter sets on a sync workflow: its kind, and the deployment's environment. */
export function syncSearchAttributes(
  kind: string,
  config: { temporal: Pick<Config['temporal'], 'environment'> },
): SearchAttributePair[] {
  return [
    { key: SyncKind, value: kind },
    ...(config.temporal.environment ? [{ key: SyncEnvironment, value: config.temporal.environment }] : []),
  ];
}
