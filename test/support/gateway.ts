import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';

export interface RunningGateway {
  url: string;
  webhookUrl: string;
  close(): Promise<void>;
}

/** The real gateway over HTTP on a free port. */
export async function startGateway(temporal: Client, config: Config): Promise<RunningGateway> {
  const app = createApp({ temporal, config, logger: createLogger({ level: 'WARN' }) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    webhookUrl: `${url}/webhooks/bluestone`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
