import { isAxiosError } from 'axios';
import { ApiError, FailureType } from '../http/api-error';
import { retryAfterMs } from '../http/retry';
import type { OcctooError } from './types';

/**
 * How a failed Occtoo call reads: 429, 408 and 5xx after retries → OcctooUnavailable
 * (retryable); 401 → OcctooUnauthorized, 403 → OcctooForbidden, 404 → OcctooNotFound, other
 * 4xx → OcctooBadRequest (all final), each saying what to fix and carrying Occtoo's `errors`.
 */

/** An Occtoo failure with the `errors` Occtoo sent, for logs and for isolating bad entities. */
export class OcctooApiError extends ApiError {
  readonly occtooErrors: OcctooError[];
  constructor(init: ConstructorParameters<typeof ApiError>[0] & { occtooErrors?: OcctooError[] }) {
    super(init);
    this.occtooErrors = init.occtooErrors ?? [];
  }
}

export const CREDENTIALS_HINT =
  'check OCCTOO_DATA_PROVIDER_ID and OCCTOO_DATA_PROVIDER_SECRET (the data provider in Occtoo Studio)';

export function envelopeOf(data: unknown): { result?: unknown; errors: OcctooError[]; requestId?: string } {
  if (!data || typeof data !== 'object') return { errors: [] };
  const d = data as Record<string, unknown>;
  return {
    result: d.result,
    errors: Array.isArray(d.errors) ? (d.errors as OcctooError[]) : [],
    requestId: typeof d.requestId === 'string' ? d.requestId : undefined,
  };
}

function describeErrors(errors: OcctooError[]): string {
  return errors
    .map((e) => {
      const details = e.details === undefined ? [] : Array.isArray(e.details) ? e.details : [e.details];
      const text = details
        .map((d) => (d.propertyName ? `${d.propertyName}: ${d.message ?? ''}` : (d.message ?? '')))
        .join('; ');
      return [e.message, text].filter(Boolean).join(' - ');
    })
    .filter(Boolean)
    .join(' | ');
}

/** An authentication failure: the credentials, not the request, need fixing. */
export function unauthorizedError(err: unknown, what: string): OcctooApiError {
  const response = isAxiosError(err) ? err.response : undefined;
  const env = envelopeOf(response?.data);
  const said = describeErrors(env.errors);
  return new OcctooApiError({
    type: FailureType.OcctooUnauthorized,
    message: `${what}${said ? ` (${said})` : ''}: ${CREDENTIALS_HINT}`,
    status: response?.status,
    requestId: env.requestId,
    retryable: false,
    occtooErrors: env.errors,
    cause: err,
  });
}

/** Maps a failed request (after retries) to a typed ApiError; cancellations pass through. */
export function toOcctooError(err: unknown, operation: string, dataProviderId: string): unknown {
  if (err instanceof ApiError || !isAxiosError(err)) return err;
  if (err.code === 'ERR_CANCELED') return err; // cancellation: let the activity see it as such
  const response = err.response;
  if (!response) {
    return new ApiError({
      type: FailureType.OcctooUnavailable,
      message: `Occtoo did not answer ${operation} (${err.code ?? err.message}) after retries`,
      retryable: true,
      cause: err,
    });
  }
  const env = envelopeOf(response.data);
  const said = describeErrors(env.errors);
  const status = response.status;
  const base = { status, requestId: env.requestId, occtooErrors: env.errors, cause: err };
  const source = operation.startsWith('import ') ? operation.slice('import '.length) : undefined;
  if (status === 429 || status >= 500 || status === 408) {
    return new OcctooApiError({
      ...base,
      type: FailureType.OcctooUnavailable,
      message: `Occtoo answered ${status} to ${operation} after retries${said ? `: ${said}` : ''}`,
      retryable: true,
      retryAfterMs: retryAfterMs(err),
    });
  }
  if (status === 403) {
    return new OcctooApiError({
      ...base,
      type: FailureType.OcctooForbidden,
      message: source
        ? `data provider ${dataProviderId} may not write to source ${source}: add it to the provider's Allowed Sources in Occtoo Studio${said ? ` (${said})` : ''}`
        : `Occtoo refused ${operation} (403)${said ? `: ${said}` : ''}: check the data provider's permissions`,
      retryable: false,
    });
  }
  if (status === 404) {
    return new OcctooApiError({
      ...base,
      type: FailureType.OcctooNotFound,
      message: source
        ? `Occtoo has no data source ${source}: check the source identifier in Occtoo Studio and the OCCTOO_*_SOURCE setting${said ? ` (${said})` : ''}`
        : `Occtoo found nothing for ${operation}${said ? `: ${said}` : ''}`,
      retryable: false,
    });
  }
  if (status === 413) {
    return new OcctooApiError({
      ...base,
      type: FailureType.OcctooBadRequest,
      message: `Occtoo refused ${operation} as too large (413): lower the batch byte limit${said ? ` (${said})` : ''}`,
      retryable: false,
    });
  }
  return new OcctooApiError({
    ...base,
    type: FailureType.OcctooBadRequest,
    message: `Occtoo rejected ${operation} (${status})${said ? `: ${said}` : ''}`,
    retryable: false,
  });
}
