import { ApiError, FailureType } from '../http/api-error';
import type { BluestoneClient } from '../bluestone/client';
import { mapProduct, productKeyOf, relatedProductIdsOf } from '../mapping';
import { mediaAssetsOf, mediaUniqueIdentifier, type OcctooFile } from '../mapping/media';
import type { UploadedMedia } from '../state/record';
import type { OcctooEntity } from '../occtoo/types';
import { decideProduct } from '../mapping/filters';
import { entityHash } from '../pipeline/record-diff';
import { allContexts, type Config } from '../config';

/** What the mapping makes of the product now, in one context. */
export interface MappingNow {
  context: string;
  language: string;
  /** False: Bluestone does not serve it in this context (archived, unpublished, unknown). */
  served: boolean;
  /** A sync filter keeps it out (SYNC_PRODUCT_TYPES, SYNC_LABELS_EXCLUDE). */
  filtered?: { action: 'skip' | 'delete'; reason: string };
  key?: string;
  properties?: OcctooEntity['properties'];
  /** The record's hash of the entity the mapping makes now (compared with the one last sent). */
  hash?: string;
  setAside?: string;
  media: number;
  warnings: string[];
}

/** The record's uploaded files, by unique identifier (HANDLE_MEDIA=occtoo). */
export type UploadedLookup = (uniqueIdentifiers: string[]) => Promise<Map<string, UploadedMedia>>;

/**
 * Reads the product from Bluestone in every configured context and maps it as a sync would
 * (filters, then the mapping; related products' keys are read when PRODUCT_KEY=number). With
 * HANDLE_MEDIA=occtoo, the files the record says were uploaded stand in for the sync's uploads,
 * so the media properties come out as a sync would send them.
 */
export async function mappingNow(
  bluestone: BluestoneClient,
  config: Config,
  productId: string,
  uploaded?: UploadedLookup,
): Promise<MappingNow[]> {
  return Promise.all(
    allContexts(config).map(async ({ context, language }, index): Promise<MappingNow> => {
      const base = { context, language, media: 0, warnings: [] };
      let product;
      try {
        product = await bluestone.getProduct(productId, context);
      } catch (err) {
        if (err instanceof ApiError && err.type === FailureType.BluestoneNotFound) {
          return { ...base, served: false };
        }
        throw err;
      }
      const decision = decideProduct(product, config.filters);
      if (decision.action !== 'send') {
        return { ...base, served: true, filtered: { action: decision.action, reason: decision.reason } };
      }
      let relatedKeys: Map<string, string> | undefined;
      if (config.mapping.productKey === 'number') {
        const ids = relatedProductIdsOf(decision.product);
        const related = ids.length ? await bluestone.getProductsByIds(ids, context) : [];
        relatedKeys = new Map();
        for (const p of related) {
          const key = productKeyOf(p, config.mapping);
          if (key) relatedKeys.set(p.id, key);
        }
      }
      const pass = { context, language, isDefault: index === 0 };
      const occtooFiles = uploaded ? await uploadedFiles(decision.product, uploaded) : undefined;
      const mapped = mapProduct(decision.product, pass, config.mapping, { relatedKeys, occtooFiles });
      return {
        ...base,
        served: true,
        key: mapped.entity?.key ?? mapped.setAside?.key,
        properties: mapped.entity?.properties,
        hash: mapped.entity ? entityHash(mapped.entity) : undefined,
        setAside: mapped.setAside?.reason,
        media: mapped.media.length,
        warnings: mapped.warnings,
      };
    }),
  );
}

async function uploadedFiles(
  product: Parameters<typeof mediaAssetsOf>[0],
  uploaded: UploadedLookup,
): Promise<Map<string, OcctooFile>> {
  const assets = mediaAssetsOf(product);
  const found = assets.length ? await uploaded(assets.map(mediaUniqueIdentifier)) : new Map();
  const files = new Map<string, OcctooFile>();
  for (const asset of assets) {
    const file = found.get(mediaUniqueIdentifier(asset));
    if (file) files.set(asset.id, { id: file.fileId, publicUrl: file.publicUrl });
  }
  return files;
}

export function mappingNowLines(now: readonly MappingNow[], config: Config, withUploads = false): string[] {
  if (now.every((n) => !n.served)) {
    return ['Bluestone does not serve this product (archived or unpublished) in any configured context'];
  }
  const lines: string[] = [];
  for (const n of now) {
    const label = `${n.context} (${n.language})`;
    if (!n.served) lines.push(`  ${label}: not served by Bluestone in this context`);
    else if (n.filtered)
      lines.push(
        `  ${label}: ${n.filtered.action === 'delete' ? 'deleted from Occtoo' : 'not sent'}: ${n.filtered.reason}`,
      );
    else if (n.setAside) lines.push(`  ${label}: set aside: ${n.setAside}`);
    else if (!n.properties) lines.push(`  ${label}: nothing to send (no localized values in this language)`);
    else {
      lines.push(`  ${label}: key ${n.key}, ${n.properties.length} properties`);
      for (const p of n.properties) {
        const value = p.value !== null && p.value.length > 100 ? `${p.value.slice(0, 97)}...` : p.value;
        lines.push(`    ${p.id}${p.language ? ` [${p.language}]` : ''} = ${JSON.stringify(value)}`);
      }
    }
    if (n.media > 0) lines.push(`    and ${n.media} media entit${n.media === 1 ? 'y' : 'ies'}`);
    for (const w of n.warnings) lines.push(`    warning: ${w}`);
  }
  if (config.mapping.handleMedia === 'occtoo' && !withUploads) {
    lines.push('  (HANDLE_MEDIA=occtoo: media URLs come from uploads during a sync and are not shown here)');
  }
  return lines;
}
