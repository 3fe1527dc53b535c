import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
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
