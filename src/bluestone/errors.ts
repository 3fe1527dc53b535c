import axios, { isAxiosError, type AxiosError, type Method } from 'axios';
import { ApiError, FailureType } from '../http/api-error';
import { isTransient, retryAfterMs } from '../http/retry';

/**
 * How a failed Bluestone call reads: 400 → BluestoneBadRequest, 401/403 → BluestoneForbidden,
 * 404 → BluestoneNotFound (all final); network errors, 408, 429 and 5xx, once retries are
 * spent, → BluestoneUnavailable (retryable). InvalidResponse is marked retryable: its usual
 * cause is a proxy's error page or a cut-off body, and the workflow's retry policy bounds it.
 */

export interface RequestSpec {
  /** For messages and retry events, e.g. `POST /products/by-ids`. */
  endpoint: string;
  method: Method;
  path: string;
  context?: string;
  params?: Record<string, string | number | boolean | undefined>;
  data?: unknown;
  /** What a 404 means here, e.g. `product "abc"`. */
  entity?: string;
  /** Health checks answer at once: no retries. */
  noRetry?: boolean;
}

export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

function headerText(err: AxiosError, name: string): string | undefined {
  const v = err.response?.headers?.[name];
  return v === undefined || v === null ? undefined : String(v);
}

export function configError(message: string): ApiError {
  return new ApiError({ type: FailureType.ConfigurationError, message, retryable: false });
}

export function invalid(endpoint: string, field: string, problem: string): ApiError {
  return new ApiError({
    type: FailureType.InvalidResponse,
    message: `Bluestone ${endpoint} returned an unexpected response: ${field}: ${problem}`,
    retryable: true,
  });
}

/** Maps a failed request (after retries) to a typed ApiError; cancellations pass through. */
export function toBluestoneError(err: unknown, spec: RequestSpec): unknown {
  if (!isAxiosError(err) || axios.isCancel(err)) return err;
  const status = err.response?.status;
  const requestId = headerText(err, 'x-request-tracker');
  const body = (err.response?.data ?? {}) as { message?: unknown; entityId?: unknown };
  const serverMessage = typeof body.message === 'string' ? body.message : undefined;
  const where = `${spec.endpoint}${spec.context ? ` (context "${spec.context}")` : ''}`;
  const base = { status, requestId, cause: err };
  if (status === undefined || isTransient(err)) {
    return new ApiError({
      ...base,
      type: FailureType.BluestoneUnavailable,
      message: `Bluestone ${where} is unavailable: ${status ?? err.code ?? err.message}${serverMessage ? ` ${serverMessage}` : ''}`,
      retryable: true,
      retryAfterMs: retryAfterMs(err),
    });
  }
  if (status === 401 || status === 403) {
    return new ApiError({
      ...base,
      type: FailureType.BluestoneForbidden,
      message: `Bluestone refused the API key on ${where} (${status} ${serverMessage ?? 'Forbidden'}): check BLUESTONE_API_KEY`,
      retryable: false,
    });
  }
  if (status === 404) {
    const entityId = typeof body.entityId === 'string' ? body.entityId : spec.context;
    let message: string;
    if (serverMessage === 'Given context not found.') {
      message = `Bluestone has no context "${entityId}" (${spec.endpoint}: "Given context not found."): check the configured contexts against GET /contexts`;
    } else if (serverMessage?.startsWith('No publishes available')) {
      message = `Bluestone context "${entityId}" has nothing published (${spec.endpoint}: "No publishes available for given context."): run a papi-sync for it in Bluestone or stop syncing it`;
    } else {
      message = `Bluestone has no ${spec.entity ?? 'such entity'} on ${where}${serverMessage ? `: ${serverMessage}` : ''}`;
    }
    return new ApiError({ ...base, type: FailureType.BluestoneNotFound, message, retryable: false });
  }
  return new ApiError({
    ...base,
    type: FailureType.BluestoneBadRequest,
    message: `Bluestone rejected ${where} (${status}${serverMessage ? ` ${serverMessage}` : ''})`,
    retryable: false,
  });
}
