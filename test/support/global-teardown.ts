import { rmSync } from 'node:fs';
import type { TestRunServers } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const servers = globalThis as TestRunServers;
  await Promise.all([
    servers.__temporalTestEnv?.teardown(),
    (async () => {
      const postgres = servers.__postgresTestServer;
      if (!postgres) return;
      await postgres.server.stop();
      rmSync(postgres.dataDir, { recursive: true, force: true });
    })(),
  ]);
  if (servers.__workflowBundleDir) rmSync(servers.__workflowBundleDir, { recursive: true, force: true });
}
