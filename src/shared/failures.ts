/**
 * Typed failure names. Activities turn an ApiError into an ApplicationFailure of the same
 * type, so workflows, the UI and tests can tell "fix your credentials" from "try later".
 */
export const FailureType = {
  BluestoneBadRequest: 'BluestoneBadRequest',
  BluestoneForbidden: 'BluestoneForbidden',
  BluestoneNotFound: 'BluestoneNotFound',
  BluestoneUnavailable: 'BluestoneUnavailable',
  OcctooBadRequest: 'OcctooBadRequest',
  OcctooUnauthorized: 'OcctooUnauthorized',
  OcctooForbidden: 'OcctooForbidden',
  OcctooNotFound: 'OcctooNotFound',
  OcctooUnavailable: 'OcctooUnavailable',
  OcctooMediaTimeout: 'OcctooMediaTimeout',
  InvalidEntity: 'InvalidEntity',
  InvalidResponse: 'InvalidResponse',
  ConfigurationError: 'ConfigurationError',
  /** A notice's sync id or context is not one Bluestone could have sent (or cannot be sent to Bluestone). */
  InvalidSyncNotice: 'InvalidSyncNotice',
  /** A run set aside more than SET_ASIDE_MAX_PERCENT of what it tried to send: a systemic rejection. */
  TooManySetAside: 'TooManySetAside',
  /** A full sync would delete more than PRUNE_MAX_PERCENT of a source: it removed nothing (--allow-mass-delete lifts it). */
  MassDeleteRefused: 'MassDeleteRefused',
  /** A resync named something that is not a product id, or a context that is not configured. */
  InvalidResyncRequest: 'InvalidResyncRequest',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types a retry cannot fix; workflows list them as non-retryable. */
export const NON_RETRYABLE_FAILURES: FailureType[] = [
  FailureType.BluestoneBadRequest,
  FailureType.BluestoneForbidden,
  FailureType.OcctooBadRequest,
  FailureType.OcctooUnauthorized,
  FailureType.OcctooForbidden,
  FailureType.OcctooNotFound,
  FailureType.InvalidEntity,
  FailureType.ConfigurationError,
  FailureType.InvalidSyncNotice,
  FailureType.TooManySetAside,
  FailureType.MassDeleteRefused,
  FailureType.InvalidResyncRequest,
];
