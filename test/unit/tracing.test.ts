/** Tracing's switch (OTEL_EXPORTER_OTLP_ENDPOINT) and the workflow bundle's interceptors. */
import { ConfigError } from '../../src/config';
import { startTracing, TRACING_WORKFLOW_MODULES, workflowTracingSinks } from '../../src/tracing';
import { testConfig } from '../support/config';

// The script npm run build bundles the workflows with (plain JavaScript, outside src/).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WORKFLOW_INTERCEPTOR_MODULES } = require('../../scripts/bundle-workflows.js') as {
  WORKFLOW_INTERCEPTOR_MODULES: string[];
};

describe('tracing', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT, and the workflow interceptors still have a sink', () => {
    const config = testConfig();
    expect(config.tracing).toEqual({ endpoint: undefined, serviceName: 'bluestone-occtoo-sync' });
    expect(startTracing(config.tracing)).toBeUndefined();
    const sinks = workflowTracingSinks();
    expect(() => sinks.exporter.export.fn({} as never, [])).not.toThrow();
  });

  it('is on with an endpoint (a trailing slash dropped), named by OTEL_SERVICE_NAME', async () => {
    const config = testConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_SERVICE_NAME: 'sync-eu',
    });
    expect(config.tracing).toEqual({ endpoint: 'http://collector:4318', serviceName: 'sync-eu' });
    const tracing = startTracing(config.tracing)!;
    try {
      expect(tracing.clientInterceptors).toHaveLength(1);
      expect(tracing.workerInterceptors.activity).toHaveLength(1);
      expect(workflowTracingSinks(tracing)).toBe(tracing.sinks);
      // One at a time: the interceptors use the global provider.
      expect(() => startTracing(config.tracing)).toThrow(/already on in this process/);
    } finally {
      await tracing.shutdown();
    }
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    const load = () => testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('bundles the same workflow interceptors for npm run build as for the tests', () => {
    expect(WORKFLOW_INTERCEPTOR_MODULES).toEqual(TRACING_WORKFLOW_MODULES);
  });
});
