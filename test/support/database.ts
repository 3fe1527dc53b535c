/**
 * The test run's one PostgreSQL (globalSetup: embedded, or BOS_TEST_DATABASE_URL given), and a
 * fresh database on it per fixture, so that tests never see each other's records.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** The run's server (its default database), as globalSetup left it in the environment. */
export function testDatabaseServer(): string {
  const url = process.env.BOS_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'No PostgreSQL test server: run the integration tests through jest (globalSetup starts one).',
    );
  }
  return url;
}

/** CREATE DATABASE with a unique name on the run's server; returns its URL. */
export async function freshTestDatabase(): Promise<string> {
  const server = testDatabaseServer();
  const name = `bos_test_${randomUUID().replace(/-/g, '')}`;
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}
