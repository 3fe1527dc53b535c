import type { Config } from '../config';
import type { Category, MediaAsset, Product } from '../bluestone/types';
import type { OcctooEntity } from '../occtoo/types';
import { builtin, passProperties, plannedAttributes, type PlannedProperty } from './properties';
import { sanitizeKey } from './sanitize';
import { entityTooLarge, isoDate, joinList, type SetAside } from './shared';

/** Media as HANDLE_MEDIA says (docs/mapping.md, "Media"). */

export type MappingSettings = Config['mapping'];

/** What the caller got back from Occtoo's media API for one uploaded asset. */
export interface OcctooFile {
  id: string;
  publicUrl: string;
}

export const MEDIA_BUILTINS = [
  'Id',
  'Number',
  'Name',
  'Description',
  'FileName',
  'ContentType',
  'Url',
  'PreviewUrl',
  'Thumbnail',
  'Labels',
  'CreatedAt',
  'UpdatedAt',
  'OcctooFileId',
] as const;

export interface MappedMedia {
  entity?: OcctooEntity;
  setAside?: SetAside;
}

/** The assets of a product or category, each once (first occurrence wins), in Bluestone's order. */
export function mediaAssetsOf(owner: Pick<Product | Category, 'media'>): MediaAsset[] {
  const seen = new Set<string>();
  return owner.media.filter((asset) => {
    if (seen.has(asset.id)) return false;
    seen.add(asset.id);
    return true;
  });
}

export function mediaKeyOf(asset: MediaAsset): string | undefined {
  return asset.id === '' ? undefined : sanitizeKey(asset.id);
}

/**
 * Occtoo's media `uniqueIdentifier` for an asset: its id plus its last change time, so a new
 * version of the file uploads again and an unchanged one is found. Never taken from the URL.
 */
export function mediaUniqueIdentifier(asset: MediaAsset): string {
  // Always a numeric last segment, so that `{id}-{version}` cannot be read two ways.
  const version = asset.updatedAt ?? asset.createdAt ?? 0;
  return sanitizeKey(`bluestone-${asset.id}-${version}`);
}

/** Occtoo's image service serves a small rendition with `impolicy=small` (occtoo-ingest.md §6, §10). */
export function occtooThumbnailUrl(publicUrl: string): string {
  return `${publicUrl}${publicUrl.includes('?') ? '&' : '?'}impolicy=small`;
}

/** One media entity; non-localized, so it is built from the default context only. */
export function mapMediaAsset(
  asset: MediaAsset,
  settings: MappingSettings,
  occtooFile?: OcctooFile,
): MappedMedia {
  const key = mediaKeyOf(asset);
  if (key === undefined) return { setAside: { id: asset.id, reason: 'the media asset has an empty id' } };
  if (settings.handleMedia === 'ignore') {
    return { setAside: { id: asset.id, key, reason: 'HANDLE_MEDIA=ignore sends no media entities' } };
  }
  if (settings.handleMedia === 'occtoo' && occtooFile === undefined) {
    return {
      setAside: {
        id: asset.id,
        key,
        reason: 'HANDLE_MEDIA=occtoo but the asset has no Occtoo file (upload failed?)',
      },
    };
  }
  const sep = settings.multiValueSeparator;
  const [url, preview, thumbnail] = occtooFile
    ? [occtooFile.publicUrl, occtooFile.publicUrl, occtooThumbnailUrl(occtooFile.publicUrl)]
    : [asset.downloadUri, asset.previewUri, asset.previewUri];
  const planned: PlannedProperty[] = [
    builtin('Id', asset.id),
    builtin('Number', asset.number),
    builtin('Name', asset.name),
    builtin('Description', asset.description),
    builtin('FileName', asset.fileName),
    builtin('ContentType', asset.contentType),
    builtin('Url', url),
    builtin('PreviewUrl', preview),
    builtin('Thumbnail', thumbnail),
    builtin('Labels', joinList(asset.labels, sep)),
    builtin('CreatedAt', isoDate(asset.createdAt)),
    builtin('UpdatedAt', isoDate(asset.updatedAt)),
    builtin('OcctooFileId', occtooFile?.id),
    ...plannedAttributes(asset.attributes, sep),
  ];
  // Media entities are never localized: a default pass with an empty localized list sends
  // every property without a language (the language itself is then never used).
  const properties = passProperties(planned, MEDIA_BUILTINS, { language: 'none', isDefault: true }, []);
  const entity: OcctooEntity = { key, properties };
  const tooLarge = entityTooLarge(entity);
  if (tooLarge) return { setAside: { id: asset.id, key, reason: tooLarge } };
  return { entity };
}

/**
 * The owner's `Media` and `Thumbnail` values: the keys of its assets that get an entity, and the
 * first such asset's small picture. Nothing at all when media is ignored.
 */
export function ownerMediaProperties(
  owner: Pick<Product | Category, 'media'>,
  settings: MappingSettings,
  occtooFiles: ReadonlyMap<string, OcctooFile> | undefined,
): { media?: string; thumbnail?: string; sent: MediaAsset[]; missing: MediaAsset[] } {
  if (settings.handleMedia === 'ignore') return { sent: [], missing: [] };
  const assets = mediaAssetsOf(owner).filter((a) => a.id !== '');
  const sent = settings.handleMedia === 'occtoo' ? assets.filter((a) => occtooFiles?.has(a.id)) : assets;
  const missing = assets.filter((a) => !sent.includes(a));
  const first = sent[0];
  let thumbnail: string | undefined;
  if (first && settings.handleMedia === 'occtoo') {
    thumbnail = occtooThumbnailUrl((occtooFiles?.get(first.id) as OcctooFile).publicUrl);
  } else if (first) thumbnail = first.previewUri;
  return {
    media: joinList(
      sent.map((a) => sanitizeKey(a.id)),
      settings.multiValueSeparator,
    ),
    thumbnail,
    sent,
    missing,
  };
}
