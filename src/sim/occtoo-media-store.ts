import { randomUUID } from 'node:crypto';
import type { LinkUpload, MediaFileDto, OcctooError, UploadDto } from '../occtoo/types';

/**
 * Occtoo's media side (occtoo-ingest.md §6): uploads from links are processed
 * asynchronously, so a file only exists `processingDelayMs` after the upload was accepted,
 * and only if its link could really be fetched (a wrong media URL shows up as Failed).
 */

export interface MediaStoreOptions {
  processingDelayMs: number;
  fetchLinks: boolean;
  /** Base of public URLs; known only once the simulator listens. */
  publicBase: () => string;
}

interface StoredBytes {
  body: Buffer;
  mimeType: string;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  txt: 'text/plain',
};

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot >= 0 ? filename.slice(dot + 1).toLowerCase() : '';
}

export class MediaStore {
  readonly uploads = new Map<string, UploadDto>();
  readonly files = new Map<string, MediaFileDto>();
  /** Accepted uploads per unique identifier; a value above 1 means something uploaded twice. */
  readonly uploadCounts = new Map<string, number>();
  private readonly fileIdByUid = new Map<string, string>();
  private readonly bytes = new Map<string, StoredBytes>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly fetches = new Set<AbortController>();

  constructor(private readonly options: MediaStoreOptions) {}

  fileByUid(uid: string): MediaFileDto | undefined {
    const id = this.fileIdByUid.get(uid);
    return id === undefined ? undefined : this.files.get(id);
  }

  publicBytes(fileId: string): StoredBytes | undefined {
    return this.bytes.get(fileId);
  }

  /** `PUT media/uploads/links`: one result per link, keyed by unique identifier. */
  uploadLinks(links: Partial<LinkUpload>[]): {
    succeeded: Record<string, UploadDto>;
    failures: Record<string, OcctooError>;
  } {
    const succeeded: Record<string, UploadDto> = {};
    const failures: Record<string, OcctooError> = {};
    links.forEach((link, index) => {
      const uid = link.uniqueIdentifier;
      const label = typeof uid === 'string' && uid !== '' ? uid : String(link.link ?? `links[${index}]`);
      if (typeof uid !== 'string' || uid.trim() === '') {
        failures[label] = { message: 'UniqueIdentifier is required' };
        return;
      }
      if (typeof link.link !== 'string' || !/^https?:\/\//.test(link.link)) {
        failures[label] = { message: 'Link must be an absolute http(s) URL' };
        return;
      }
      if (this.fileIdByUid.has(uid)) {
        // The SDK documents: "Will skip file if UniqueIdentifier on the file already exists".
        failures[label] = { message: `MediaFile with UniqueIdentifier ${uid} already exists; skipped` };
        return;
      }
      const filename = typeof link.filename === 'string' && link.filename !== '' ? link.filename : uid;
      this.uploadCounts.set(uid, (this.uploadCounts.get(uid) ?? 0) + 1);
      const now = new Date().toISOString();
      const upload: UploadDto = {
        id: randomUUID(),
        state: 'Created',
        sourceUrl: link.link,
        progress: { totalSize: 0, uploadedSize: 0, completedPercentage: 0, isCompleted: false },
        createdAt: now,
        updatedAt: now,
        metadata: { filename, uniqueIdentifier: uid },
      };
      this.uploads.set(upload.id, upload);
      succeeded[uid] = structuredClone(upload);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.process(upload, link.link as string, filename, uid);
      }, this.options.processingDelayMs);
      this.timers.add(timer);
    });
    return { succeeded, failures };
  }

  private async process(upload: UploadDto, link: string, filename: string, uid: string): Promise<void> {
    this.touch(upload, 'Progress');
    let body = Buffer.alloc(0);
    let mimeType = MIME_BY_EXTENSION[extensionOf(filename)] ?? 'application/octet-stream';
    if (this.options.fetchLinks) {
      const controller = new AbortController();
      this.fetches.add(controller);
      try {
        const response = await fetch(link, { signal: controller.signal });
        if (!response.ok) throw new Error(`GET ${link} answered ${response.status}`);
        body = Buffer.from(await response.arrayBuffer());
        mimeType = response.headers.get('content-type')?.split(';')[0] || mimeType;
      } catch (err) {
        if (controller.signal.aborted) return;
        upload.metadata = {
          ...upload.metadata,
          failureReason: `Could not fetch the link: ${(err as Error).message}`,
        };
        this.touch(upload, 'Failed');
        return;
      } finally {
        this.fetches.delete(controller);
      }
    }
    const id = randomUUID();
    const file: MediaFileDto = {
      id,
      publicUrl: `${this.options.publicBase()}/media/public/${id}/${encodeURIComponent(filename)}`,
      sourceUrl: link,
      uniqueIdentifier: uid,
      location: {
        hostName: new URL(this.options.publicBase()).host,
        containerName: 'media',
        fileName: `${id}/${filename}`,
      },
      metadata: { filename, mimeType, size: body.length, extension: extensionOf(filename) },
    };
    this.files.set(id, file);
    this.fileIdByUid.set(uid, id);
    this.bytes.set(id, { body, mimeType });
    upload.progress = {
      totalSize: body.length,
      uploadedSize: body.length,
      completedPercentage: 100,
      isCompleted: true,
    };
    upload.metadata = { ...upload.metadata, mimeType, size: body.length };
    this.touch(upload, 'Completed');
  }

  private touch(upload: UploadDto, state: UploadDto['state']): void {
    upload.state = state;
    upload.updatedAt = new Date().toISOString();
  }

  deleteFile(id: string): boolean {
    const file = this.files.get(id);
    if (!file) return false;
    this.files.delete(id);
    this.bytes.delete(id);
    if (file.uniqueIdentifier !== undefined) this.fileIdByUid.delete(file.uniqueIdentifier);
    return true;
  }

  /** Stops pending processing; used by reset and close. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.fetches) controller.abort();
    this.fetches.clear();
  }

  clear(): void {
    this.stop();
    this.uploads.clear();
    this.files.clear();
    this.uploadCounts.clear();
    this.fileIdByUid.clear();
    this.bytes.clear();
  }
}
