// The workflow bundle's entry: every workflow type the worker serves.
export { healthCheck } from './health-check';
export { fullSync, progressQuery } from './full-sync';
