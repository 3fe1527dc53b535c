import { readFileSync } from 'node:fs';
import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
  type TLSConfig,
} from '@temporalio/client';
import type { Config } from '../config';

/**
 * How to reach Temporal: the address, plus TLS (mutual TLS with client certificates) and an API
 * key for Temporal Cloud, from the standard TEMPORAL_* variables. Used by the worker, the gateway
 * and the CLI alike; the options fit both `Connection` and `NativeConnection`.
 */
export function temporalConnectionOptions(
  config: Pick<Config, 'temporal'>,
  address: string,
): { address: string; apiKey?: string; tls?: TLSConfig } {
  const { tls, apiKey } = config.temporal;
  const read = (file: string | undefined, variable: string) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${variable}=${file} cannot be read: ${(err as Error).message}`);
    }
  };
  const cert = read(tls?.clientCertPath, 'TEMPORAL_TLS_CLIENT_CERT_PATH');
  const key = read(tls?.clientKeyPath, 'TEMPORAL_TLS_CLIENT_KEY_PATH');
  if (!!cert !== !!key) {
    throw new Error(
      'Set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH for mutual TLS, or neither.',
    );
  }
  return {
    address,
    ...(apiKey ? { apiKey } : {}),
    ...(tls
      ? {
          tls: {
            serverNameOverride: tls.serverName,
            serverRootCACertificate: read(tls.serverCaCertPath, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
            ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
          },
        }
      : {}),
  };
}

type GrpcInterceptor = ReturnType<typeof makeGrpcRetryInterceptor>;

/**
 * Temporal's retry of UNAVAILABLE (back-offs growing to 5 s), never backing off past the call's
 * deadline: with the default, a back-off begun before a deadline ended up to 5 s after it, so a
 * webhook's 5 s hand-off could take 10 s before the gateway answered 503.
 */
export function retryWithinDeadline(): GrpcInterceptor {
  const defaults = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    const deadline = options.deadline === undefined ? undefined : new Date(options.deadline).getTime();
    return makeGrpcRetryInterceptor({
      retryableDecider: defaults.retryableDecider,
      delayFunction: (attempt, status) => {
        const delay = defaults.delayFunction(attempt, status);
        // The attempt at the deadline fails at once with DEADLINE_EXCEEDED, ending the call.
        return deadline === undefined ? delay : Math.max(0, Math.min(delay, deadline - Date.now()));
      },
    })(options, nextCall);
  };
}

/**
 * The gateway's connection: lazy, so the gateway starts (and answers 503) while Temporal is
 * unreachable, and each hand-off ends at its deadline.
 */
export function gatewayConnection(options: ConnectionOptions): Connection {
  return Connection.lazy({ ...options, interceptors: [retryWithinDeadline()] });
}
