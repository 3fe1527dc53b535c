/**
 * Occtoo's legacy ingest contract (../shared/reference/occtoo-ingest.md §3-§6).
 * Values are strings on this API; a property without a language is non-localized.
 */

export interface OcctooProperty {
  id: string;
  value: string | null;
  language?: string;
}

export interface OcctooEntity {
  key: string;
  delete?: boolean;
  properties: OcctooProperty[];
}

/** Occtoo's documented character rule for keys and property ids. */
export const OCCTOO_ID_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
/** Languages: 2-10 characters (the docs' minimum, stricter than the SDK's). */
export const OCCTOO_LANGUAGE_PATTERN = /^[A-Za-z0-9_-]{2,10}$/;

/** Recommended limits from Occtoo's ingest docs. */
export const OCCTOO_MAX_PAYLOAD_BYTES = 20 * 1024 * 1024;
export const OCCTOO_MAX_ENTITY_BYTES = 1024 * 1024;

export interface OcctooErrorDetail {
  propertyName?: string;
  message?: string;
}

export interface OcctooError {
  message?: string;
  details?: OcctooErrorDetail | OcctooErrorDetail[];
}

export interface LinkUpload {
  link: string;
  filename: string;
  uniqueIdentifier: string;
}

export type UploadState = 'Created' | 'Progress' | 'Failed' | 'Cancelled' | 'Completed';

export interface UploadDto {
  id: string;
  state: UploadState;
  sourceUrl?: string;
  progress?: {
    totalSize?: number;
    uploadedSize?: number;
    completedPercentage?: number;
    isCompleted?: boolean;
  };
  createdAt?: string;
  updatedAt?: string;
  metadata?: Record<string, unknown>;
}

export interface MediaFileDto {
  id: string;
  publicUrl: string;
  sourceUrl?: string;
  uniqueIdentifier?: string;
  location?: { hostName?: string; containerName?: string; fileName?: string };
  metadata?: { filename?: string; mimeType?: string; size?: number; extension?: string };
}
