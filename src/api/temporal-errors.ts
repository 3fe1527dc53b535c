import type { Response } from 'express';
import { isGrpcServiceError } from '@temporalio/client';

// gRPC status codes (grpc-js `status` enum values) that mean "could not reach Temporal".
const UNREACHABLE_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);
const RESOURCE_EXHAUSTED = 8;

/**
 * Why Temporal cannot take a call now, when trying again later can help: `unreachable`, or
 * `overloaded` (RESOURCE_EXHAUSTED: rate limits, a busy namespace). Undefined for anything else,
 * such as Temporal answering "no".
 */
export type TemporalBusy = 'unreachable' | 'overloaded';

export function temporalBusy(err: unknown): TemporalBusy | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isGrpcServiceError(current)) {
      if (UNREACHABLE_CODES.has(current.code)) return 'unreachable';
      // grpc-js says RESOURCE_EXHAUSTED too for a message over its size limit: no later try fits it.
      if (current.code === RESOURCE_EXHAUSTED && !/larger than max/i.test(current.details))
        return 'overloaded';
      return undefined;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

// grpc-js `status` names, for answers that say what Temporal said.
const GRPC_STATUS = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/**
 * Temporal's own "no" (PERMISSION_DENIED, INVALID_ARGUMENT, NOT_FOUND, a message too large…): the
 * gRPC status name and its details, or undefined when Temporal did not answer (see temporalBusy)
 * or the error is not a gRPC one.
 */
export function temporalRefusal(err: unknown): { status: string; details: string } | undefined {
  if (temporalBusy(err)) return undefined;
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isGrpcServiceError(current))
      return { status: GRPC_STATUS[current.code] ?? `status ${current.code}`, details: current.details };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when Temporal could not be reached (as opposed to Temporal answering "no"). */
export function isTemporalUnavailable(err: unknown): boolean {
  return temporalBusy(err) === 'unreachable';
}

const WHY: Record<TemporalBusy, string> = {
  unreachable: 'Temporal is unreachable',
  overloaded: 'Temporal is overloaded (RESOURCE_EXHAUSTED)',
};

/** 503 with Retry-After: Bluestone redelivers only a 503 or 429 that carries one (bluestone-papi.md §11.4). */
export function answerTemporalBusy(
  res: Response,
  busy: TemporalBusy,
  retryAfterSeconds: number,
  what = 'try again',
): void {
  res
    .status(503)
    .set('Retry-After', String(retryAfterSeconds))
    .json({ error: `${WHY[busy]}; ${what} after Retry-After seconds.` });
}
