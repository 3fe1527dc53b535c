#!/usr/bin/env node
// The operator CLI (src/cli/main.ts): the compiled dist/cli/main.js after `npm run build`,
// otherwise the TypeScript source through tsx.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (fs.existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
