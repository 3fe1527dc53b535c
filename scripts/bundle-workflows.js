#!/usr/bin/env node
// Bundles the workflow code (webpack + swc, via the Temporal SDK) into one file, in a process of
// its own, so that a worker never carries the bundler's memory: it loads the finished bundle.
//   node scripts/bundle-workflows.js <workflows entry (.ts or .js)> <output file>
const { writeFileSync, renameSync, mkdirSync } = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode, DefaultLogger } = require('@temporalio/worker');

/**
 * Workflow interceptors in every bundle: OpenTelemetry's, whether traces are on or not (their
 * spans go to the worker's `exporter` sink, which drops them when off). The same list as
 * TRACING_WORKFLOW_MODULES in src/tracing.ts (a unit test compares them).
 */
const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

async function main() {
  const [entry, out] = process.argv.slice(2);
  if (!entry || !out) {
    console.error('usage: node scripts/bundle-workflows.js <workflows entry> <output file>');
    process.exit(2);
  }
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(entry),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: new DefaultLogger('WARN'),
  });
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  // Write then rename: a reader never sees half a bundle.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, out);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { WORKFLOW_INTERCEPTOR_MODULES };
