import type { Config } from '../config';
import type { MediaAsset } from '../bluestone/types';
import { mapWithConcurrency } from '../http/concurrency';
import { mediaKeyOf, mediaUniqueIdentifier } from '../mapping';
import type { OcctooClient } from '../occtoo/client';
import type { SentEntity, SyncRecord } from '../state/record';
import { deleteEntities } from './delete-entities';

export interface MediaDeleteDeps {
  config: Config;
  occtoo: OcctooClient;
  record?: SyncRecord;
  tuning?: { importConcurrency?: number; mediaConcurrency?: number };
}

export interface MediaDeleteOutcome {
  /** Media keys deleted from the media source (and their files, HANDLE_MEDIA=occtoo). */
  deleted: string[];
  /** Media keys the products showed that another recorded entity still shows: kept. */
  kept: string[];
  /** Media keys Occtoo refused to delete, and why. */
  refused: { key: string; reason: string }[];
}

/**
 * MEDIA_DELETE, when products leave Occtoo (an archive): deletes the media they showed — as the
 * record holds them (`mediaKeys` of their rows, so also when Bluestone no longer serves them),
 * and as Bluestone serves them now — except media another recorded entity still shows. With
 * HANDLE_MEDIA=occtoo their Occtoo files go too. Call it before the record forgets the products'
 * rows: a retry after a crash then finds the same media again.
 */
export async function deleteMediaNoLongerShown(
  deps: MediaDeleteDeps,
  goneIds: ReadonlySet<string>,
  recorded: readonly SentEntity[],
  servedAssets: readonly MediaAsset[],
): Promise<MediaDeleteOutcome> {
  const { config, occtoo, record } = deps;
  const shownKeys = new Set([
    ...recorded.filter((r) => goneIds.has(r.bluestoneId)).flatMap((r) => r.mediaKeys ?? []),
    ...servedAssets.flatMap((a) => mediaKeyOf(a) ?? []),
  ]);
  if (shownKeys.size === 0) return { deleted: [], kept: [], refused: [] };
  const stillShown = record
    ? await record.mediaShownByOthers([...shownKeys], [...goneIds])
    : new Set<string>();
  const removed = await deleteEntities(
    { occtoo, batchSize: config.occtoo.batchSize, importConcurrency: deps.tuning?.importConcurrency },
    config.occtoo.mediaSource,
    [...shownKeys].filter((k) => !stillShown.has(k)),
  );
  if (config.mapping.handleMedia === 'occtoo') await deleteFiles(deps, removed.deleted, servedAssets);
  // Forgotten once the files are gone: a retry after a crash still finds their asset ids.
  await record?.forget(config.occtoo.mediaSource, removed.deleted);
  return {
    deleted: removed.deleted,
    kept: [...shownKeys].filter((k) => stillShown.has(k)),
    refused: removed.refused,
  };
}

/** The Occtoo files of deleted media entities: every version uploaded (record), else found by unique id. */
async function deleteFiles(
  deps: MediaDeleteDeps,
  mediaKeys: string[],
  servedAssets: readonly MediaAsset[],
): Promise<void> {
  const { config, occtoo, record } = deps;
  if (mediaKeys.length === 0) return;
  const deleted = new Set(mediaKeys);
  const assets = servedAssets.filter((a) => deleted.has(mediaKeyOf(a) ?? ''));
  if (!record) {
    if (assets.length === 0) return;
    const files = await occtoo.findFilesByUniqueIds(assets.map(mediaUniqueIdentifier));
    for (const file of files.values()) await occtoo.deleteFile(file.id);
    return;
  }
  // Media entities are not localized: recorded in the default context's language.
  const rows = await record.lastSent(
    config.occtoo.mediaSource,
    config.bluestone.defaultContext.language,
    mediaKeys,
  );
  const assetIds = new Set([...[...rows.values()].map((r) => r.bluestoneId), ...assets.map((a) => a.id)]);
  const uploads = await record.uploadsOfAssets([...assetIds]);
  await mapWithConcurrency(uploads, deps.tuning?.mediaConcurrency ?? 8, (u) => occtoo.deleteFile(u.fileId));
  await record.forgetUploads(uploads.map((u) => u.uniqueIdentifier));
}
