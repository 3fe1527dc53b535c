import type { OcctooEntity } from './types';

/**
 * Merges `incoming` into `state` the way Occtoo merges imports: per key, then per
 * (property id, language); a delete removes the key.
 */
export function mergeEntity(state: Map<string, OcctooEntity>, incoming: OcctooEntity): void {
  if (incoming.delete) {
    state.delete(incoming.key);
    return;
  }
  const existing = state.get(incoming.key);
  const props = new Map((existing?.properties ?? []).map((p) => [`${p.id}\u0000${p.language ?? ''}`, p]));
  for (const p of incoming.properties) props.set(`${p.id}\u0000${p.language ?? ''}`, p);
  state.set(incoming.key, { key: incoming.key, properties: [...props.values()] });
}
