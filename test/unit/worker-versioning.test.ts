import { ConfigError, loadConfig } from '../../src/config';
import { deploymentOptions } from '../../src/worker/worker';

const required = {
  BLUESTONE_API_KEY: 'papi-key-123',
  OCCTOO_DATA_PROVIDER_ID: 'provider',
  OCCTOO_DATA_PROVIDER_SECRET: 'provider-secret-456',
  OCCTOO_PRODUCTS_SOURCE: 'products',
  OCCTOO_CATEGORIES_SOURCE: 'categories',
  OCCTOO_MEDIA_SOURCE: 'media',
  WEBHOOK_SECRET: 'webhook-secret-789',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('Worker Deployment Versioning settings', () => {
  it('leaves the worker unversioned without them, as before', () => {
    const config = loadConfig(required);
    expect(config.temporal.deployment).toBeUndefined();
    expect(deploymentOptions(config)).toEqual({});
  });

  it('versions the worker with both, workflows upgrading unless they pin themselves', () => {
    const config = loadConfig({
      ...required,
      WORKER_DEPLOYMENT_NAME: 'bluestone-occtoo',
      WORKER_BUILD_ID: '1.4.0',
    });
    expect(deploymentOptions(config)).toEqual({
      workerDeploymentOptions: {
        useWorkerVersioning: true,
        version: { deploymentName: 'bluestone-occtoo', buildId: '1.4.0' },
        defaultVersioningBehavior: 'AUTO_UPGRADE',
      },
    });
  });

  it('refuses one without the other, naming the missing one', () => {
    expect(problemsOf({ ...required, WORKER_BUILD_ID: '1.4.0' }).join('\n')).toMatch(
      /WORKER_DEPLOYMENT_NAME.*required with WORKER_BUILD_ID/,
    );
    expect(problemsOf({ ...required, WORKER_DEPLOYMENT_NAME: 'bluestone-occtoo' }).join('\n')).toMatch(
      /WORKER_BUILD_ID.*required with WORKER_DEPLOYMENT_NAME/,
    );
  });

  it("refuses names a deployment or build id cannot hold (a deployment's '.' would split its versions' names)", () => {
    const problems = problemsOf({
      ...required,
      WORKER_DEPLOYMENT_NAME: 'bluestone.occtoo',
      WORKER_BUILD_ID: 'v1/2',
    });
    expect(problems.join('\n')).toMatch(/WORKER_DEPLOYMENT_NAME/);
    expect(problems.join('\n')).toMatch(/WORKER_BUILD_ID/);
  });
});
