import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, loadDotEnv, type Config } from '../config';
import { temporalConnectionOptions } from '../worker/temporal-connection';
import { CliError, EXIT } from './errors';

/** What most commands need: the configuration and a connected Temporal client. */
export interface Session {
  config: Config;
  client: Client;
  /** The Temporal address in use (TEMPORAL_ADDRESS, or the embedded server of `npm start`). */
  address: string;
  close(): Promise<void>;
}

/** The configuration, as the service reads it (`.env`, then the environment); ConfigError on problems. */
export function readConfig(): Config {
  loadDotEnv();
  return loadConfig();
}

/** TEMPORAL_ADDRESS, or the embedded dev server that `npm start` runs when it is unset. */
export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`;
}

export function unreachable(address: string): CliError {
  return new CliError(
    `Temporal is not reachable at ${address}: start the service (npm start) or set TEMPORAL_ADDRESS`,
    EXIT.unreachable,
    { address },
  );
}

const PROBE_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT = '30s';

/**
 * A plain TCP connect first: a refused port is known at once, where the gRPC connect would
 * wait for its whole deadline.
 */
function probe(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  const host = (at > 0 ? address.slice(0, at) : address).replace(/^\[|\]$/g, '');
  const port = at > 0 ? Number(address.slice(at + 1)) : 7233;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function openSession(config: Config = readConfig()): Promise<Session> {
  const address = temporalAddress(config);
  let options;
  try {
    options = temporalConnectionOptions(config, address);
  } catch (err) {
    // An unreadable certificate file or half a TLS pair: a configuration problem.
    throw new CliError((err as Error).message, EXIT.usage);
  }
  if (!(await probe(address))) throw unreachable(address);
  let connection: Connection;
  try {
    // The port answered: a server that is slow to finish the handshake (a busy machine) gets time.
    connection = await Connection.connect({ ...options, connectTimeout: CONNECT_TIMEOUT });
  } catch {
    throw unreachable(address);
  }
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { config, client, address, close: () => connection.close() };
}
