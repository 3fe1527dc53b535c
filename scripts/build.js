#!/usr/bin/env node
// `npm run build`: compiles src/ with tsconfig.build.json and prebuilds the workflow bundle beside
// it (<out>/workflow-bundle.js, which src/worker/workflow-bundle.ts loads), so that
// `node <out>/main.js` needs neither tsx nor webpack. The out folder defaults to dist/; another one
// (a test's temporary folder) must have the repository's node_modules in a folder above it.
//   node scripts/build.js [out folder]
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
if (args.length > 1 || args[0]?.startsWith('-')) {
  console.error('usage: node scripts/build.js [out folder (default dist)]');
  process.exit(2);
}
const out = path.resolve(args[0] ?? path.join(root, 'dist'));
if (out === root || out === path.join(root, 'src')) {
  console.error(`Refusing to build into ${out}: give an out folder of its own (default dist).`);
  process.exit(2);
}

function run(script, scriptArgs) {
  const result = spawnSync(process.execPath, [script, ...scriptArgs], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(require.resolve('typescript/bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', out]);
run(path.join(__dirname, 'bundle-workflows.js'), [
  path.join(out, 'workflows', 'index.js'),
  path.join(out, 'workflow-bundle.js'),
]);
