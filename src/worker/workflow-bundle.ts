import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The workflow bundle a worker loads. A build (`npm run build`) ships `dist/workflow-bundle.js`;
 * from source, the bundle is made by a short-lived child process, so the worker process never
 * holds webpack and swc in memory (about 150 MB of its peak otherwise).
 */
export async function prepareWorkflowBundle(): Promise<{ codePath: string; cleanup(): void }> {
  const prebuilt = path.resolve(__dirname, '../workflow-bundle.js');
  if (existsSync(prebuilt)) return { codePath: prebuilt, cleanup: () => undefined };
  const codePath = path.join(os.tmpdir(), `bluestone-occtoo-workflows-${process.pid}.js`);
  const script = path.resolve(__dirname, '../../scripts/bundle-workflows.js');
  await promisify(execFile)(process.execPath, [script, require.resolve('../workflows'), codePath], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return { codePath, cleanup: () => rmSync(codePath, { force: true }) };
}
