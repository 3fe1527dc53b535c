import { isGrpcServiceError } from '@temporalio/client';

// gRPC status codes that mean "could not reach Temporal" (grpc-js `status` enum values).
const UNREACHABLE_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/** True when Temporal could not be reached (as opposed to Temporal answering "no"). */
export function isTemporalUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isGrpcServiceError(current)) return UNREACHABLE_CODES.has(current.code);
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
