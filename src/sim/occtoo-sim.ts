import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { LinkUpload, MediaFileDto, OcctooEntity, OcctooError, UploadDto } from '../occtoo/types';
import { FaultInjector, type FaultOptions } from './faults';
import { field, mergeEntity, parseImport } from './occtoo-ingest-rules';
import { MediaStore } from './occtoo-media-store';

/**
 * A local stand-in for Occtoo's legacy ingest host (occtoo-ingest.md §2-§6): tokens,
 * imports with the documented validation and merge, and link uploads processed
 * asynchronously. State is in memory and inspectable over HTTP (`/_inspect/...`) and in
 * process, so tests and benchmarks can check what really arrived and how often.
 */

export interface OcctooSimProvider {
  id: string;
  secret: string;
  /** Data sources this provider may write to; `'*'` allows any. */
  allowedSources: string[];
}

export interface OcctooSimOptions {
  providers: OcctooSimProvider[];
  /** Default 3600 (Occtoo's 60-minute token); tests use 1-2 s to force expiry. */
  tokenTtlSeconds?: number;
  /** How long an upload from a link takes to become a file. Default 50 ms. */
  mediaProcessingDelayMs?: number;
  /** Really GET each link when processing (default true), so a wrong media URL ends Failed. */
  fetchLinks?: boolean;
  /** When set, imports to any other source answer 404 (an unknown data source). */
  dataSources?: string[];
  /** Largest accepted request body; Occtoo recommends at most 20 MB. */
  maxPayloadBytes?: number;
  port?: number;
  faults?: FaultOptions;
}

export interface ImportLogEntry {
  importId: string;
  source: string;
  providerId: string;
  count: number;
  keys: string[];
  deletes: number;
  bytes: number;
  correlationId?: string;
  at: string;
}

export interface OcctooSim {
  url: string;
  faults: FaultInjector;
  close(): Promise<void>;
  /** Merged state of one source, by key (copies). */
  entities(source: string): Map<string, OcctooEntity>;
  entity(source: string, key: string): OcctooEntity | undefined;
  mediaFiles(): MediaFileDto[];
  uploads(): UploadDto[];
  readonly imports: ImportLogEntry[];
  /** Imports and entities received per data source (deletes included), e.g. "a second full sync imported nothing". */
  importCounts(): Record<string, SourceImportCount>;
  readonly uploadCounts: Map<string, number>;
  readonly tokenRequests: number;
  /** Makes every issued token unknown, as if Occtoo had rotated its keys. */
  revokeTokens(): void;
  /**
   * Rejects (400, the whole import) every import into `rule.source` that holds an entity the rule
   * names — every entity when it names no keys — as Occtoo does once a data source's schema no
   * longer fits what is sent. Deletes pass. Without a rule: imports into `source` pass again.
   */
  rejectEntities(source: string, rule?: EntityRejection): void;
  /** Forgets data, media, logs and counters (tokens stay valid). */
  reset(): void;
}

/** What `rejectEntities` rejects in one data source. */
export interface EntityRejection {
  /** The keys rejected; unset: every entity. */
  keys?: string[];
  /** Occtoo's message, followed by the rejected keys. */
  message?: string;
}

export interface SourceImportCount {
  imports: number;
  entities: number;
}

export function countImports(imports: ImportLogEntry[]): Record<string, SourceImportCount> {
  const counts: Record<string, SourceImportCount> = {};
  for (const i of imports) {
    const c = (counts[i.source] ??= { imports: 0, entities: 0 });
    c.imports++;
    c.entities += i.count;
  }
  return counts;
}

interface IssuedToken {
  providerId: string;
  expiresAtMs: number;
}

const EXEMPT_PATHS = [/^\/_inspect(\/|$)/, /^\/_admin(\/|$)/, /^\/media\/public\//];

function envelope(res: Response, status: number, result: unknown, errors: OcctooError[] = []): void {
  res.status(status).json({ result, errors, requestId: res.locals.requestId as string });
}

function fail(res: Response, status: number, message: string, details?: OcctooError['details']): void {
  envelope(res, status, null, [details === undefined ? { message } : { message, details }]);
}

export async function startOcctooSim(options: OcctooSimOptions): Promise<OcctooSim> {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const providers = new Map(options.providers.map((p) => [p.id, p]));
  const tokens = new Map<string, IssuedToken>();
  const sources = new Map<string, Map<string, OcctooEntity>>();
  const imports: ImportLogEntry[] = [];
  const rejections = new Map<string, EntityRejection>();
  let tokenRequests = 0;
  let baseUrl = '';
  const media = new MediaStore({
    processingDelayMs: options.mediaProcessingDelayMs ?? 50,
    fetchLinks: options.fetchLinks ?? true,
    publicBase: () => baseUrl,
  });
  const faults = new FaultInjector({
    ...options.faults,
    exemptPaths: [...EXEMPT_PATHS, ...(options.faults?.exemptPaths ?? [])],
  });

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.locals.requestId = randomUUID();
    next();
  });
  app.use(
    faults.middleware((status) => ({
      result: null,
      errors: [{ message: status === 429 ? 'Too Many Requests' : 'Injected fault' }],
      requestId: randomUUID(),
    })),
  );
  app.use(
    express.json({
      limit: options.maxPayloadBytes ?? 20 * 1024 * 1024,
      verify: (req, _res, buf) => {
        (req as { bodyBytes?: number }).bodyBytes = buf.length;
      },
    }),
  );

  // ---- Tokens (§2)
  app.post('/dataProviders/tokens', (req, res) => {
    tokenRequests++;
    const id = field(req.body, 'id');
    const secret = field(req.body, 'secret');
    const provider = typeof id === 'string' ? providers.get(id) : undefined;
    if (!provider || provider.secret !== secret) {
      fail(res, 401, 'Invalid data provider id or secret');
      return;
    }
    const accessToken = `sim-${randomUUID()}`;
    tokens.set(accessToken, { providerId: provider.id, expiresAtMs: Date.now() + tokenTtlSeconds * 1000 });
    envelope(res, 200, {
      accessToken,
      expiresIn: tokenTtlSeconds,
      tokenType: 'Bearer',
      refreshToken: randomUUID(),
      scope: 'onboarding',
    });
  });

  const authenticate = (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return fail(res, 401, 'Missing bearer token');
    const token = tokens.get(match[1]);
    if (!token) return fail(res, 401, 'Unknown token');
    if (Date.now() >= token.expiresAtMs) return fail(res, 401, 'Token expired');
    res.locals.provider = providers.get(token.providerId);
    next();
  };

  // ---- Import (§3-§4)
  app.post('/import/:dataSource', authenticate, (req, res) => {
    const source = req.params.dataSource as string;
    const provider = res.locals.provider as OcctooSimProvider;
    if (options.dataSources && !options.dataSources.includes(source)) {
      return fail(res, 404, `Data source ${source} not found`);
    }
    if (!provider.allowedSources.includes('*') && !provider.allowedSources.includes(source)) {
      return fail(res, 403, `Data provider ${provider.id} may not write to data source ${source}`);
    }
    const parsed = parseImport(req.body);
    if (!parsed.ok) {
      return envelope(
        res,
        400,
        null,
        parsed.problems.map((details) => ({ message: 'Invalid request', details })),
      );
    }
    const rejection = rejections.get(source);
    const rejected = rejection
      ? parsed.entities.filter((e) => !e.delete && (!rejection.keys || rejection.keys.includes(e.key)))
      : [];
    if (rejection && rejected.length > 0) {
      const message = rejection.message ?? `The properties do not fit data source ${source}'s schema`;
      return fail(res, 400, 'Invalid request', {
        propertyName: 'properties',
        message: `${message}. The following entities are rejected: ${rejected.map((e) => e.key).join(', ')}`,
      });
    }
    const state = sources.get(source) ?? new Map<string, OcctooEntity>();
    sources.set(source, state);
    for (const entity of parsed.entities) {
      if (entity.delete) state.delete(entity.key);
      else state.set(entity.key, mergeEntity(state.get(entity.key), entity));
    }
    const importId = randomUUID();
    const correlationId = typeof req.query.correlationId === 'string' ? req.query.correlationId : undefined;
    imports.push({
      importId,
      source,
      providerId: provider.id,
      count: parsed.entities.length,
      keys: parsed.entities.map((e) => e.key),
      deletes: parsed.entities.filter((e) => e.delete).length,
      bytes: (req as { bodyBytes?: number }).bodyBytes ?? 0,
      correlationId,
      at: new Date().toISOString(),
    });
    envelope(res, 202, { id: importId });
  });

  // ---- Media (§6)
  app.put('/media/uploads/links', authenticate, (req, res) => {
    const links = field(req.body, 'links');
    if (!Array.isArray(links)) return fail(res, 400, "The body must be a JSON object with a 'links' array");
    const normalized = links.map((l): Partial<LinkUpload> => ({
      link: field(l, 'link') as string | undefined,
      filename: field(l, 'filename') as string | undefined,
      uniqueIdentifier: field(l, 'uniqueIdentifier') as string | undefined,
    }));
    envelope(res, 202, media.uploadLinks(normalized));
  });

  app.get('/media/uploads/:uploadId', authenticate, (req, res) => {
    const upload = media.uploads.get(req.params.uploadId as string);
    if (!upload) return fail(res, 404, 'Upload not found');
    envelope(res, 200, upload);
  });

  app.post('/media/files/batch', authenticate, (req, res) => {
    const uids = field(req.body, 'uniqueIdentifiers');
    if (!Array.isArray(uids))
      return fail(res, 400, "The body must be a JSON object with a 'uniqueIdentifiers' array");
    const succeeded: Record<string, MediaFileDto> = {};
    const failures: Record<string, OcctooError> = {};
    for (const uid of uids.map(String)) {
      const file = media.fileByUid(uid);
      if (file) succeeded[uid] = file;
      else failures[uid] = { message: 'MediaFile not found in tenant' };
    }
    envelope(res, 200, { succeeded, failures });
  });

  app.get('/media/files/:fileId', authenticate, (req, res) => {
    const file = media.files.get(req.params.fileId as string);
    if (!file) return fail(res, 404, 'MediaFile not found in tenant');
    envelope(res, 200, file);
  });

  app.delete('/media/files/:fileId', authenticate, (req, res) => {
    if (!media.deleteFile(req.params.fileId as string))
      return fail(res, 404, 'MediaFile not found in tenant');
    res.status(204).end();
  });

  // The CDN side: public URLs need no token.
  app.get('/media/public/:fileId/:filename', (req, res) => {
    const stored = media.publicBytes(req.params.fileId as string);
    if (!stored) return fail(res, 404, 'Not found');
    res.type(stored.mimeType).send(stored.body);
  });

  // ---- Inspection and admin (never faulted)
  const entitiesOf = (source: string) =>
    new Map([...(sources.get(source) ?? [])].map(([k, e]) => [k, structuredClone(e)]));
  const stats = () => ({
    tokenRequests,
    issuedTokens: tokens.size,
    imports: imports.length,
    importedEntities: imports.reduce((n, i) => n + i.count, 0),
    importsBySource: countImports(imports),
    entitiesBySource: Object.fromEntries([...sources].map(([s, m]) => [s, m.size])),
    uploads: media.uploads.size,
    files: media.files.size,
    uploadCounts: Object.fromEntries(media.uploadCounts),
    faults: { ...faults.stats },
  });
  app.get('/_inspect/stats', (_req, res) => void res.json(stats()));
  app.get('/_inspect/imports', (_req, res) => void res.json(imports));
  app.get('/_inspect/sources', (_req, res) => void res.json([...sources.keys()]));
  app.get('/_inspect/sources/:source', (req, res) => {
    const entities = [...entitiesOf(req.params.source as string).values()];
    res.json({ source: req.params.source, count: entities.length, entities });
  });
  app.get('/_inspect/sources/:source/:key', (req, res) => {
    const entity = sources.get(req.params.source as string)?.get(req.params.key as string);
    if (!entity) return void res.status(404).json({ message: 'No such entity' });
    res.json(entity);
  });
  app.get(
    '/_inspect/media',
    (_req, res) =>
      void res.json({
        files: [...media.files.values()],
        uploads: [...media.uploads.values()],
        uploadCounts: Object.fromEntries(media.uploadCounts),
      }),
  );
  app.put('/_admin/faults', (req, res) => {
    faults.set((req.body ?? {}) as FaultOptions);
    res.json(faults.current);
  });
  app.post('/_admin/reset', (_req, res) => {
    reset();
    res.status(204).end();
  });

  app.use((_req: Request, res: Response) => fail(res, 404, 'No such route'));
  // Body-parser failures: unreadable JSON and bodies over the size limit.
  app.use(
    (
      err: { status?: number; type?: string; message?: string },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      if (res.headersSent) return;
      if (err.type === 'entity.too.large')
        return fail(res, 413, 'Payload too large: keep each import under 20 MB');
      if (err.status === 400)
        return fail(res, 400, 'Invalid request', {
          propertyName: 'body',
          message: `Unreadable JSON: ${err.message}`,
        });
      fail(res, 500, `Simulator error: ${err.message ?? String(err)}`);
    },
  );

  function reset(): void {
    sources.clear();
    imports.length = 0;
    media.clear();
    tokenRequests = 0;
    Object.assign(faults.stats, { requests: 0, serverErrors: 0, rateLimited: 0, dropped: 0, slowBodies: 0 });
  }

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    faults,
    imports,
    importCounts: () => countImports(imports),
    get uploadCounts() {
      return media.uploadCounts;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    entities: entitiesOf,
    entity: (source, key) => entitiesOf(source).get(key),
    mediaFiles: () => [...media.files.values()].map((f) => structuredClone(f)),
    uploads: () => [...media.uploads.values()].map((u) => structuredClone(u)),
    revokeTokens: () => tokens.clear(),
    rejectEntities: (source, rule) => {
      if (rule) rejections.set(source, { ...rule, keys: rule.keys && [...rule.keys] });
      else rejections.delete(source);
    },
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        media.stop();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
