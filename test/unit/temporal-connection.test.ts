import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporalConnectionOptions } from '../../src/worker/temporal-connection';
import { testConfig } from '../support/config';

describe('Temporal connection options', () => {
  it('connects in plain text to a local server by default', () => {
    expect(temporalConnectionOptions(testConfig(), 'localhost:7233')).toEqual({ address: 'localhost:7233' });
  });

  it('uses TLS with an API key for Temporal Cloud', () => {
    const config = testConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_API_KEY: 'cloud-api-key-123',
    });
    expect(temporalConnectionOptions(config, config.temporal.address!)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'cloud-api-key-123',
      tls: { serverNameOverride: undefined, serverRootCACertificate: undefined },
    });
  });

  it('reads client certificates for mutual TLS, and names an unreadable file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bos-tls-'));
    writeFileSync(path.join(dir, 'client.pem'), 'CERT');
    writeFileSync(path.join(dir, 'client.key'), 'KEY');
    const config = testConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const options = temporalConnectionOptions(config, 'temporal.internal:7233');
    expect(options.tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    expect(String((options.tls as { clientCertPair?: { crt: Buffer } }).clientCertPair?.crt)).toBe('CERT');

    const missing = testConfig({
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'nope.pem'),
    });
    expect(() => temporalConnectionOptions(missing, 'x:7233')).toThrow(
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH=.*nope\.pem cannot be read/,
    );
  });
});
