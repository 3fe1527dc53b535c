import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes every sync workflow carries, so that operators can find a run in the
 * Temporal UI (`SyncKind="incremental" AND SyncId="..."`). Registered by the embedded dev
 * server, the test server and docker-compose.temporal.yml.
 */
export const SyncKind = defineSearchAttributeKey('SyncKind', SearchAttributeType.KEYWORD);
export const SyncId = defineSearchAttributeKey('SyncId', SearchAttributeType.KEYWORD);
export const BluestoneContext = defineSearchAttributeKey('BluestoneContext', SearchAttributeType.KEYWORD);
export const SyncEnvironment = defineSearchAttributeKey('SyncEnvironment', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [SyncKind, SyncId, BluestoneContext, SyncEnvironment];

/** `Name=Keyword` arguments for `temporal server start-dev --search-attribute`. */
export function searchAttributeCliArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}
