// The workflow bundle's entry: every workflow type the worker serves (workflow functions only;
// their inputs, results, signals and queries are in src/shared).
export { healthCheck } from './health-check';
export { fullSync } from './full-sync';
export { incrementalSync } from './incremental-sync';
export { syncCoordinator } from './sync-coordinator';
export { archiveProducts } from './archive-products';
export { refreshSyncs } from './refresh-syncs';
export { setupSync } from './setup-sync';
export { resyncProducts } from './resync-products';
