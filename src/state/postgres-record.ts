import type { Pool } from 'pg';
import type {
  DryRunNote,
  DryRunSends,
  RecordedKind,
  RecordSummary,
  SentEntity,
  SightingQuery,
  SyncRecord,
  UnseenKey,
  UnseenTally,
  UploadedMedia,
} from './record';

interface SentEntityRow {
  source: string;
  key: string;
  language: string;
  kind: RecordedKind;
  bluestone_id: string;
  properties: string[];
  hash: string;
  last_update: string | null;
  read_at: string;
  run_id: string;
  full_sync_run_id: string | null;
  recorded_at: string;
  media_keys: string[] | null;
}

const SENT_COLUMNS = `source, key, language, kind, bluestone_id, properties, hash, last_update, read_at,
  run_id, full_sync_run_id, (extract(epoch FROM recorded_at) * 1000)::bigint AS recorded_at, media_keys`;

/**
 * The record in PostgreSQL (tables in src/state/migrations), scoped to one deployment (its task
 * queue) so that deployments may share a database. Each method is one statement: one round trip
 * for a whole page.
 */
export class PostgresRecord implements SyncRecord {
  constructor(
    private readonly pool: Pool,
    private readonly deployment: string,
  ) {}

  async lastSent(source: string, language: string, keys: string[]): Promise<Map<string, SentEntity>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<SentEntityRow>(
      `SELECT ${SENT_COLUMNS} FROM sent_entities
       WHERE deployment = $1 AND source = $2 AND language = $3 AND key = ANY($4::text[])`,
      [this.deployment, source, language, keys],
    );
    return new Map(rows.map((row) => [row.key, sentEntityOf(row)]));
  }

  async recordSent(entities: SentEntity[]): Promise<SentEntity[]> {
    // One row per slot (the last wins: ON CONFLICT may not touch a row twice), in key order so
    // that two workers writing the same page lock rows in the same order and never deadlock.
    const rows = [...lastPerKey(entities, (e) => `${e.source}\u0000${e.key}\u0000${e.language}`)]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, e]) => ({
        source: e.source,
        key: e.key,
        language: e.language,
        kind: e.kind,
        bluestone_id: e.bluestoneId,
        properties: e.properties,
        hash: e.hash,
        last_update: e.lastUpdate ?? null,
        read_at: e.readAt,
        run_id: e.runId,
        full_sync_run_id: e.fullSyncRunId ?? null,
        media_keys: e.mediaKeys ?? null,
      }));
    if (rows.length === 0) return [];
    // Only the refused rows come back (usually none): a page's accepted rows are not parsed again.
    const { rows: refused } = await this.pool.query<{ source: string; key: string; language: string }>(
      `WITH sent AS (
         SELECT * FROM jsonb_to_recordset($2::jsonb) AS e(source text, key text, language text, kind text,
           bluestone_id text, properties text[], hash text, last_update bigint, read_at bigint,
           run_id text, full_sync_run_id text, media_keys text[])
       ), written AS (
         INSERT INTO sent_entities (deployment, source, key, language, kind, bluestone_id, properties,
           hash, last_update, read_at, run_id, full_sync_run_id, media_keys)
         SELECT $1, e.source, e.key, e.language, e.kind, e.bluestone_id, e.properties, e.hash,
           e.last_update, e.read_at, e.run_id, e.full_sync_run_id, e.media_keys
         FROM sent e
         ON CONFLICT (deployment, source, key, language) DO UPDATE SET
           kind = EXCLUDED.kind, bluestone_id = EXCLUDED.bluestone_id, properties = EXCLUDED.properties,
           hash = EXCLUDED.hash, last_update = EXCLUDED.last_update, read_at = EXCLUDED.read_at,
           run_id = EXCLUDED.run_id, media_keys = EXCLUDED.media_keys,
           -- An incremental send does not forget the last full sync that saw the entity.
           full_sync_run_id = COALESCE(EXCLUDED.full_sync_run_id, sent_entities.full_sync_run_id),
           recorded_at = now()
         -- Never roll back: an older version does not replace a newer one. Another product
         -- taking the key over (PRODUCT_KEY=number) is not a version of the same one.
         WHERE sent_entities.bluestone_id <> EXCLUDED.bluestone_id OR CASE
           WHEN EXCLUDED.last_update IS NOT NULL AND sent_entities.last_update IS NOT NULL
             THEN EXCLUDED.last_update >= sent_entities.last_update
           ELSE EXCLUDED.read_at >= sent_entities.read_at
         END
         RETURNING source, key, language
       )
       SELECT e.source, e.key, e.language FROM sent e
       WHERE NOT EXISTS (SELECT 1 FROM written w
                         WHERE w.source = e.source AND w.key = e.key AND w.language = e.language)`,
      [this.deployment, JSON.stringify(rows)],
    );
    if (refused.length === 0) return [];
    const newer = new Set(refused.map((r) => `${r.source}\u0000${r.key}\u0000${r.language}`));
    return entities.filter((e) => newer.has(`${e.source}\u0000${e.key}\u0000${e.language}`));
  }

  async recordSeen(source: string, language: string, keys: string[], fullSyncRunId: string): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(
      `UPDATE sent_entities SET full_sync_run_id = $5
       WHERE deployment = $1 AND source = $2 AND language = $3 AND key = ANY($4::text[])`,
      [this.deployment, source, language, keys, fullSyncRunId],
    );
  }

  async forget(source: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(
      `DELETE FROM sent_entities WHERE deployment = $1 AND source = $2 AND key = ANY($3::text[])`,
      [this.deployment, source, keys],
    );
  }

  async forgetUploads(uniqueIdentifiers: string[]): Promise<void> {
    if (uniqueIdentifiers.length === 0) return;
    await this.pool.query(
      `DELETE FROM uploaded_media WHERE deployment = $1 AND unique_identifier = ANY($2::text[])`,
      [this.deployment, uniqueIdentifiers],
    );
  }

  async recordSeenIds(
    source: string,
    language: string,
    bluestoneIds: string[],
    fullSyncRunId: string,
  ): Promise<void> {
    if (bluestoneIds.length === 0) return;
    await this.pool.query(
      `UPDATE sent_entities SET full_sync_run_id = $5
       WHERE deployment = $1 AND source = $2 AND language = $3 AND bluestone_id = ANY($4::text[])`,
      [this.deployment, source, language, bluestoneIds, fullSyncRunId],
    );
  }

  async unseenTally(query: SightingQuery, sampleSize: number): Promise<UnseenTally> {
    const { rows } = await this.pool.query<{
      recorded: number;
      gone: number;
      gone_samples: string[];
      languages: { language: string; recorded: number; count: number; samples: string[] | null }[];
    }>(
      // One scan and one sort: whether any language kept a key is a window over its rows (a join
      // of two CTEs has no statistics, and planned as a nested loop it is quadratic in the source).
      `WITH rows AS (
         SELECT s.*, bool_or(s.kept) OVER (PARTITION BY s.key) AS key_kept FROM (${sightings(query)}) s
       )
       SELECT
         (SELECT count(DISTINCT key)::int FROM rows) AS recorded,
         (SELECT count(DISTINCT key)::int FROM rows WHERE NOT key_kept) AS gone,
         (SELECT coalesce(array_agg(key ORDER BY key), '{}')
          FROM (SELECT DISTINCT key FROM rows WHERE NOT key_kept ORDER BY key LIMIT $6) s) AS gone_samples,
         (SELECT coalesce(json_agg(l), '[]') FROM (
            SELECT language, count(*)::int AS recorded,
              count(*) FILTER (WHERE key_kept AND NOT kept)::int AS count,
              (array_agg(key ORDER BY key) FILTER (WHERE key_kept AND NOT kept))[1:$6] AS samples
            FROM rows GROUP BY language) l) AS languages`,
      [...sightingParams(this.deployment, query), sampleSize],
    );
    const { recorded, gone, gone_samples, languages } = rows[0];
    return {
      recorded,
      gone: { count: gone, samples: gone_samples },
      languages: query.languages.map((language) => {
        const found = languages.find((l) => l.language === language);
        return {
          language,
          recorded: found?.recorded ?? 0,
          count: found?.count ?? 0,
          samples: found?.samples ?? [],
        };
      }),
    };
  }

  async unseenKeys(query: SightingQuery, after: string | undefined, limit: number): Promise<UnseenKey[]> {
    const { rows } = await this.pool.query<{
      key: string;
      bluestone_id: string;
      gone: boolean;
      unseen: { language: string; properties: string[] }[];
    }>(
      `WITH rows AS (${sightings(query)} AND ($6::text IS NULL OR e.key > $6))
       SELECT key, min(bluestone_id) AS bluestone_id, NOT bool_or(kept) AS gone,
         json_agg(json_build_object('language', language, 'properties', properties)
                  ORDER BY language) FILTER (WHERE NOT kept) AS unseen
       FROM rows GROUP BY key HAVING NOT bool_and(kept)
       ORDER BY key LIMIT $7`,
      [...sightingParams(this.deployment, query), after ?? null, limit],
    );
    return rows.map((r) => ({ key: r.key, bluestoneId: r.bluestone_id, gone: r.gone, unseen: r.unseen }));
  }

  async forgetLanguage(source: string, language: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(
      `DELETE FROM sent_entities
       WHERE deployment = $1 AND source = $2 AND language = $3 AND key = ANY($4::text[])`,
      [this.deployment, source, language, keys],
    );
  }

  async uploadsOfAssets(assetIds: string[]): Promise<UploadedMedia[]> {
    if (assetIds.length === 0) return [];
    const { rows } = await this.pool.query<{
      unique_identifier: string;
      asset_id: string;
      file_id: string;
      public_url: string;
    }>(
      `SELECT unique_identifier, asset_id, file_id, public_url FROM uploaded_media
       WHERE deployment = $1 AND asset_id = ANY($2::text[]) ORDER BY unique_identifier`,
      [this.deployment, assetIds],
    );
    return rows.map((r) => ({
      uniqueIdentifier: r.unique_identifier,
      assetId: r.asset_id,
      fileId: r.file_id,
      publicUrl: r.public_url,
    }));
  }

  async noteDryRun(runId: string, notes: DryRunNote[]): Promise<void> {
    if (notes.length === 0) return;
    const rows = notes.map((n) => ({
      source: n.source,
      language: n.language,
      key: n.key ?? null,
      bluestone_id: n.bluestoneId ?? null,
      action: n.action,
      clearing: n.clearing ?? 0,
    }));
    // An entity noted twice (a page sent again, a key also reached by its Bluestone id) is one
    // row: a send wins over a sighting.
    await this.pool.query(
      `WITH n AS (
         SELECT * FROM jsonb_to_recordset($3::jsonb) AS n(source text, language text, key text,
           bluestone_id text, action text, clearing int)
       ), keyed AS (
         SELECT source, language, key, action, clearing FROM n WHERE key IS NOT NULL
         UNION ALL
         SELECT n.source, n.language, e.key, n.action, n.clearing FROM n
         JOIN sent_entities e ON e.deployment = $1 AND e.bluestone_id = n.bluestone_id
           AND e.source = n.source AND e.language = n.language
         WHERE n.key IS NULL
       )
       INSERT INTO dry_run_entities (deployment, run_id, source, language, key, action, clearing)
       SELECT DISTINCT ON (source, language, key) $1, $2, source, language, key, action, clearing
       FROM keyed ORDER BY source, language, key, (action = 'send') DESC, clearing DESC
       ON CONFLICT (deployment, run_id, source, language, key) DO UPDATE SET
         action = CASE WHEN dry_run_entities.action = 'send' THEN 'send' ELSE EXCLUDED.action END,
         clearing = greatest(dry_run_entities.clearing, EXCLUDED.clearing)`,
      [this.deployment, runId, JSON.stringify(rows)],
    );
  }

  async dryRunSends(runId: string, sampleSize: number): Promise<DryRunSends[]> {
    const { rows } = await this.pool.query<DryRunSends & { samples: string[] | null }>(
      `SELECT source, language, count(*)::int AS count,
         count(*) FILTER (WHERE clearing > 0)::int AS clearing,
         (array_agg(key ORDER BY key))[1:$3] AS samples
       FROM dry_run_entities WHERE deployment = $1 AND run_id = $2 AND action = 'send'
       GROUP BY source, language ORDER BY source, language`,
      [this.deployment, runId, sampleSize],
    );
    return rows.map((r) => ({ ...r, samples: r.samples ?? [] }));
  }

  async forgetDryRun(runId: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM dry_run_entities
       WHERE deployment = $1 AND (run_id = $2 OR created_at < now() - interval '1 day')`,
      [this.deployment, runId],
    );
  }

  async sentOfIds(source: string, bluestoneIds: string[]): Promise<SentEntity[]> {
    if (bluestoneIds.length === 0) return [];
    const { rows } = await this.pool.query<SentEntityRow>(
      `SELECT ${SENT_COLUMNS} FROM sent_entities
       WHERE deployment = $1 AND source = $2 AND bluestone_id = ANY($3::text[])
       ORDER BY key, language`,
      [this.deployment, source, bluestoneIds],
    );
    return rows.map(sentEntityOf);
  }

  async mediaShownByOthers(mediaKeys: string[], exceptIds: string[]): Promise<Set<string>> {
    if (mediaKeys.length === 0) return new Set();
    const { rows } = await this.pool.query<{ key: string }>(
      `SELECT DISTINCT k AS key FROM sent_entities e, unnest(e.media_keys) k
       WHERE e.deployment = $1 AND e.media_keys && $2::text[] AND k = ANY($2::text[])
         AND NOT (e.bluestone_id = ANY($3::text[]))`,
      [this.deployment, mediaKeys, exceptIds],
    );
    return new Set(rows.map((r) => r.key));
  }

  async entitiesOf(bluestoneId: string): Promise<SentEntity[]> {
    const { rows } = await this.pool.query<SentEntityRow>(
      `SELECT ${SENT_COLUMNS} FROM sent_entities WHERE deployment = $1 AND bluestone_id = $2
       ORDER BY source, key, language`,
      [this.deployment, bluestoneId],
    );
    return rows.map(sentEntityOf);
  }

  async uploadedMedia(uniqueIdentifiers: string[]): Promise<Map<string, UploadedMedia>> {
    if (uniqueIdentifiers.length === 0) return new Map();
    const { rows } = await this.pool.query<{
      unique_identifier: string;
      asset_id: string;
      file_id: string;
      public_url: string;
    }>(
      `SELECT unique_identifier, asset_id, file_id, public_url FROM uploaded_media
       WHERE deployment = $1 AND unique_identifier = ANY($2::text[])`,
      [this.deployment, uniqueIdentifiers],
    );
    return new Map(
      rows.map((r) => [
        r.unique_identifier,
        {
          uniqueIdentifier: r.unique_identifier,
          assetId: r.asset_id,
          fileId: r.file_id,
          publicUrl: r.public_url,
        },
      ]),
    );
  }

  async recordUploads(media: UploadedMedia[]): Promise<void> {
    const rows = [...lastPerKey(media, (m) => m.uniqueIdentifier).values()];
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO uploaded_media (deployment, unique_identifier, asset_id, file_id, public_url)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (deployment, unique_identifier) DO UPDATE SET asset_id = EXCLUDED.asset_id,
         file_id = EXCLUDED.file_id, public_url = EXCLUDED.public_url, recorded_at = now()`,
      [
        this.deployment,
        rows.map((m) => m.uniqueIdentifier),
        rows.map((m) => m.assetId),
        rows.map((m) => m.fileId),
        rows.map((m) => m.publicUrl),
      ],
    );
  }

  async isEmpty(source: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ empty: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM sent_entities WHERE deployment = $1 AND source = $2) AS empty`,
      [this.deployment, source],
    );
    return rows[0].empty;
  }

  async recordFullSyncComplete(runId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO full_syncs (deployment, run_id) VALUES ($1, $2)
       ON CONFLICT (deployment, run_id) DO UPDATE SET completed_at = now()`,
      [this.deployment, runId],
    );
  }

  async summary(): Promise<RecordSummary> {
    const { rows } = await this.pool.query<{
      sources: RecordSummary['sources'];
      uploaded_media: number;
      last_full_sync: { runId: string; completedAt: number } | null;
    }>(
      `SELECT
         (SELECT coalesce(json_agg(s ORDER BY s.source, s.language, s.kind), '[]')
          FROM (SELECT source, language, kind, count(*)::int AS entities FROM sent_entities
                WHERE deployment = $1 GROUP BY source, language, kind) s) AS sources,
         (SELECT count(*)::int FROM uploaded_media WHERE deployment = $1) AS uploaded_media,
         (SELECT json_build_object('runId', run_id,
                   'completedAt', (extract(epoch FROM completed_at) * 1000)::bigint)
          FROM full_syncs WHERE deployment = $1 ORDER BY completed_at DESC LIMIT 1) AS last_full_sync`,
      [this.deployment],
    );
    const { sources, uploaded_media, last_full_sync } = rows[0];
    return {
      sources,
      uploadedMedia: uploaded_media,
      ...(last_full_sync ? { lastCompleteFullSync: last_full_sync } : {}),
    };
  }
}

/**
 * One source's rows in the languages a full sync read, each with whether it counts as seen:
 * marked by the run (or noted by a dry run), or written since the run started. Parameters: $1
 * deployment, $2 source, $3 run id, $4 start (epoch ms), $5 languages.
 */
function sightings(query: SightingQuery): string {
  const seen = query.dryRun
    ? `EXISTS (SELECT 1 FROM dry_run_entities d WHERE d.deployment = e.deployment AND d.run_id = $3
         AND d.source = e.source AND d.language = e.language AND d.key = e.key)`
    : `coalesce(e.full_sync_run_id = $3, false)`;
  return `SELECT e.key, e.language, e.bluestone_id, e.properties,
      (${seen} OR e.recorded_at >= to_timestamp($4::double precision / 1000)) AS kept
    FROM sent_entities e
    WHERE e.deployment = $1 AND e.source = $2 AND e.language = ANY($5::text[])`;
}

function sightingParams(deployment: string, query: SightingQuery): unknown[] {
  return [deployment, query.source, query.runId, query.startedAt, query.languages];
}

function sentEntityOf(row: SentEntityRow): SentEntity {
  return {
    source: row.source,
    key: row.key,
    language: row.language,
    kind: row.kind,
    bluestoneId: row.bluestone_id,
    properties: row.properties,
    hash: row.hash,
    ...(row.last_update === null ? {} : { lastUpdate: Number(row.last_update) }),
    readAt: Number(row.read_at),
    runId: row.run_id,
    ...(row.full_sync_run_id === null ? {} : { fullSyncRunId: row.full_sync_run_id }),
    recordedAt: Number(row.recorded_at),
    ...(row.media_keys === null ? {} : { mediaKeys: row.media_keys }),
  };
}

function lastPerKey<T>(items: T[], keyOf: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [keyOf(item), item]));
}
