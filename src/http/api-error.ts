import { ApplicationFailure } from '@temporalio/common';
import { isAxiosError } from 'axios';

import { FailureType } from '../shared/failures';

export { FailureType, NON_RETRYABLE_FAILURES } from '../shared/failures';

export interface ApiErrorInit {
  type: FailureType;
  message: string;
  status?: number;
  /** Bluestone's `x-request-tracker` or Occtoo's `requestId`. */
  requestId?: string;
  retryable: boolean;
  /** From a Retry-After header, when the server sent one. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** An error from Bluestone or Occtoo, after the client's own retries are spent (or not allowed). */
export class ApiError extends Error {
  readonly type: FailureType;
  readonly status?: number;
  readonly requestId?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(init: ApiErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = init.type;
    this.type = init.type;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Converts an ApiError (or anything else) into what an activity should throw. */
export function toActivityFailure(err: unknown): unknown {
  // A raw axios error carries the request config, headers (tokens) included: never let it out.
  if (isAxiosError(err)) {
    return ApplicationFailure.create({ message: `HTTP request failed: ${err.message}`, type: 'HttpError' });
  }
  if (!(err instanceof ApiError)) return err;
  const requestId = err.requestId ? ` (request id ${err.requestId})` : '';
  return ApplicationFailure.create({
    message: `${err.message}${requestId}`,
    type: err.type,
    nonRetryable: !err.retryable,
    nextRetryDelay: err.retryAfterMs,
    details: [{ status: err.status, requestId: err.requestId }],
  });
}
