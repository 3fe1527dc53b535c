/**
 * deploy/kubernetes: the kustomize base and the example overlay. Every manifest parses and has what
 * the API server requires; the kustomizations list files that exist; probes and scrape annotations
 * point at routes the code serves, on ports the configuration opens; secrets are referenced, never
 * inlined; the configuration is one the service accepts; pods get longer than the stop sequence.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { environmentSchema, loadConfig } from '../../src/config';
import { STOP_ALLOWANCE_SECONDS } from '../../src/service';

const ROOT = path.resolve(__dirname, '../..');
const DEPLOY = path.join(ROOT, 'deploy/kubernetes');
const BASE = path.join(DEPLOY, 'base');
const OVERLAY = path.join(DEPLOY, 'overlays/example');

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are checked field by field below */
type Manifest = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

function documents(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    expect({ file, errors: doc.errors.map(String) }).toEqual({ file, errors: [] });
    return doc.toJS() as Manifest;
  });
}

const kustomization = (dir: string): Manifest => documents(path.join(dir, 'kustomization.yaml'))[0];

/** The base's resources, as kustomize reads them from its kustomization. */
const resources: Manifest[] = (kustomization(BASE).resources as string[]).flatMap((file) =>
  documents(path.join(BASE, file)),
);
const find = (kind: string, name: string): Manifest => {
  const found = resources.find((r) => r.kind === kind && r.metadata?.name === name);
  if (!found) throw new Error(`${kind} ${name} is not in the base`);
  return found;
};
const worker = find('Deployment', 'bluestone-occtoo-sync-worker');
const gateway = find('Deployment', 'bluestone-occtoo-sync-gateway');
const container = (deployment: Manifest): Manifest => deployment.spec.template.spec.containers[0];
const portNamed = (c: Manifest, name: string | number): number =>
  typeof name === 'number' ? name : c.ports.find((p: Manifest) => p.name === name)?.containerPort;

/** `KEY=value` literals of a configMapGenerator. */
const literals = (dir: string): Record<string, string> =>
  Object.fromEntries(
    (kustomization(dir).configMapGenerator[0].literals as string[]).map((l) => [
      l.slice(0, l.indexOf('=')),
      l.slice(l.indexOf('=') + 1),
    ]),
  );
/** What a pod of the example overlay gets from the ConfigMap (the overlay merges into the base's). */
const overlayConfig = { ...literals(BASE), ...literals(OVERLAY) };

/** Settings that are secrets: only ever from a Secret. */
const SECRET_SETTINGS = [
  'BLUESTONE_API_KEY',
  'OCCTOO_DATA_PROVIDER_SECRET',
  'WEBHOOK_SECRET',
  'ADMIN_TOKEN',
  'DATABASE_URL',
  'TEMPORAL_API_KEY',
];
/** Placeholder values for the Secret's keys, as an operator creates it. */
const SECRET_VALUES: Record<string, string> = {
  BLUESTONE_API_KEY: 'bluestone-api-key',
  OCCTOO_DATA_PROVIDER_ID: 'provider-id',
  OCCTOO_DATA_PROVIDER_SECRET: 'provider-secret',
  WEBHOOK_SECRET: 'a-webhook-secret-of-16+',
  DATABASE_URL: 'postgres://bos:secret@db:5432/bluestone_occtoo',
};

function source(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}
const gatewaySource = readdirSync(path.join(ROOT, 'src/api'))
  .map((f) => source(`src/api/${f}`))
  .join('\n');
const workerEndpointSource = source('src/worker/endpoint.ts');

describe('deploy/kubernetes', () => {
  it('parses every manifest, each with apiVersion, kind and a name', () => {
    const files = yamlFiles(DEPLOY);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      for (const doc of documents(file)) {
        const where = path.relative(DEPLOY, file);
        expect({ where, apiVersion: doc.apiVersion, kind: doc.kind }).toEqual({
          where,
          apiVersion: expect.any(String),
          kind: expect.any(String),
        });
        if (doc.kind !== 'Kustomization')
          expect({ where, name: doc.metadata?.name }).toEqual({ where, name: expect.any(String) });
      }
    }
  });

  it('lists in each kustomization files that exist, and every manifest of the base', () => {
    for (const dir of [BASE, OVERLAY]) {
      for (const resource of kustomization(dir).resources as string[]) {
        const full = path.join(dir, resource);
        const exists =
          existsSync(full) &&
          (!statSync(full).isDirectory() || existsSync(path.join(full, 'kustomization.yaml')));
        expect({ dir: path.relative(DEPLOY, dir), resource, exists }).toEqual({
          dir: path.relative(DEPLOY, dir),
          resource,
          exists: true,
        });
      }
    }
    const listed = (kustomization(BASE).resources as string[]).sort();
    const present = readdirSync(BASE).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect(present.sort()).toEqual(listed);
    expect(resources.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual([
      'Deployment/bluestone-occtoo-sync-gateway',
      'Deployment/bluestone-occtoo-sync-worker',
      'PodDisruptionBudget/bluestone-occtoo-sync-gateway',
      'PodDisruptionBudget/bluestone-occtoo-sync-worker',
      'Service/bluestone-occtoo-sync-gateway',
    ]);
  });

  it('runs each role of the one image, selecting its own pods, with resources and a drain time', () => {
    const grace = loadConfig({ ...overlayConfig, ...SECRET_VALUES }).temporal.shutdownGraceSeconds;
    const defaultGrace = environmentSchema.shape.SHUTDOWN_GRACE_SECONDS.parse(undefined);
    for (const [deployment, role] of [
      [worker, 'worker'],
      [gateway, 'gateway'],
    ] as const) {
      const { spec } = deployment;
      expect(spec.replicas).toBeGreaterThanOrEqual(2);
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
      expect(spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
      expect(container(deployment)).toMatchObject({ image: 'bluestone-occtoo-sync', args: [role] });
      const { requests, limits } = container(deployment).resources;
      expect(requests).toEqual({ cpu: expect.anything(), memory: expect.any(String) });
      expect(mebibytes(limits.memory)).toBeGreaterThanOrEqual(mebibytes(requests.memory));
      // SIGTERM starts the stop sequence: SHUTDOWN_GRACE_SECONDS, then up to STOP_ALLOWANCE_SECONDS more.
      const seconds = spec.template.spec.terminationGracePeriodSeconds;
      expect(seconds).toBeGreaterThan(grace + STOP_ALLOWANCE_SECONDS);
      expect(seconds).toBeGreaterThan(defaultGrace + STOP_ALLOWANCE_SECONDS);
      expect(spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    }
    // docs/benchmarks.md: 289 MB at peak with a 256 MB old space, one core per worker process.
    expect(overlayConfig.NODE_OPTIONS).toBe('--max-old-space-size=256');
    expect(mebibytes(container(worker).resources.limits.memory)).toBeGreaterThanOrEqual(400);
    expect(container(worker).resources.requests.cpu).toBe('1');
    // The image runs `node dist/main.js <role>`: the args above are its roles.
    expect(source('Dockerfile')).toContain('ENTRYPOINT ["node", "/app/dist/main.js"]');
  });

  it("probes the gateway's /health and /ready, routes it serves on PORT", () => {
    const c = container(gateway);
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      expect(portNamed(c, probe.httpGet.port)).toBe(Number(overlayConfig.PORT));
      expect(gatewaySource).toContain(`router.get('${probe.httpGet.path}'`);
    }
  });

  it("probes the worker's /healthz and /readyz, routes its endpoint serves on WORKER_METRICS_ADDRESS", () => {
    const c = container(worker);
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.startupProbe.httpGet.path).toBe('/healthz');
    const config = loadConfig({ ...overlayConfig, ...SECRET_VALUES });
    // Reachable from the kubelet: every interface, not the loopback default.
    expect(config.temporal.metricsAddress).toBe('0.0.0.0:9464');
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
      expect(portNamed(c, probe.httpGet.port)).toBe(9464);
      expect(workerEndpointSource).toContain(`path === '${probe.httpGet.path}'`);
    }
  });

  it('lets Prometheus scrape /metrics of both roles', () => {
    for (const deployment of [worker, gateway]) {
      const annotations = deployment.spec.template.metadata.annotations;
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics' });
      const ports = container(deployment).ports.map((p: Manifest) => p.containerPort);
      expect(ports).toContain(Number(annotations['prometheus.io/port']));
    }
    expect(gatewaySource).toContain("router.get('/metrics'");
    expect(workerEndpointSource).toContain("path === '/metrics'");
  });

  it("serves the gateway through a Service that selects the gateway's pods and port", () => {
    const service = find('Service', 'bluestone-occtoo-sync-gateway');
    expect(gateway.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.selector['app.kubernetes.io/component']).toBe('gateway');
    for (const port of service.spec.ports) expect(portNamed(container(gateway), port.targetPort)).toBe(3000);
  });

  it('keeps a worker and a gateway through voluntary disruptions', () => {
    for (const deployment of [worker, gateway]) {
      const budget = resources.find(
        (r) =>
          r.kind === 'PodDisruptionBudget' &&
          Object.entries(r.spec.selector.matchLabels).every(
            ([k, v]) => deployment.spec.template.metadata.labels[k] === v,
          ),
      );
      expect(budget).toBeDefined();
      // Below the replicas, or a node drain could never evict one.
      expect(budget!.spec.minAvailable).toBeGreaterThanOrEqual(1);
      expect(budget!.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    }
  });

  it('references secrets by name and never inlines one', () => {
    for (const file of yamlFiles(DEPLOY)) {
      for (const doc of documents(file))
        expect({ file, kind: doc.kind }).not.toEqual({ file, kind: 'Secret' });
      const k = documents(file)[0];
      if (k.kind === 'Kustomization') expect(k.secretGenerator).toBeUndefined();
    }
    for (const name of SECRET_SETTINGS) {
      expect({ name, inConfigMap: name in overlayConfig }).toEqual({ name, inConfigMap: false });
    }
    for (const deployment of [worker, gateway]) {
      const env = container(deployment).env as Manifest[];
      const fromSecret = env.filter((e) => e.valueFrom?.secretKeyRef);
      expect(env.filter((e) => 'value' in e)).toEqual([]);
      for (const e of fromSecret)
        expect(e.valueFrom.secretKeyRef).toMatchObject({ name: 'bluestone-occtoo-sync', key: e.name });
      // Every secret setting comes from the Secret; the optional ones may be absent from it.
      expect(fromSecret.map((e) => e.name).sort()).toEqual(
        [...SECRET_SETTINGS, 'OCCTOO_DATA_PROVIDER_ID'].sort(),
      );
      const optional = fromSecret.filter((e) => e.valueFrom.secretKeyRef.optional).map((e) => e.name);
      expect(optional.sort()).toEqual(['ADMIN_TOKEN', 'TEMPORAL_API_KEY']);
      expect(container(deployment).envFrom).toEqual([{ configMapRef: { name: 'bluestone-occtoo-sync' } }]);
    }
  });

  it('configures the service with settings it accepts', () => {
    const known = [...Object.keys(environmentSchema.shape), 'NODE_OPTIONS'];
    for (const name of Object.keys(overlayConfig))
      expect({ name, known: known.includes(name) }).toEqual({ name, known: true });
    const config = loadConfig({ ...overlayConfig, ...SECRET_VALUES });
    expect(config.temporal.address).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
    // The base on its own (with the Secret) is a valid configuration too.
    expect(() => loadConfig({ ...literals(BASE), ...SECRET_VALUES })).not.toThrow();
  });

  it('shows in the example overlay an image tag, replicas and a merged ConfigMap', () => {
    const overlay = kustomization(OVERLAY);
    expect(overlay.resources).toEqual(['../../base']);
    expect(overlay.namespace).toEqual(expect.any(String));
    expect(overlay.images).toEqual([
      {
        name: 'bluestone-occtoo-sync',
        newName: expect.any(String),
        newTag: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      },
    ]);
    for (const { name, count } of overlay.replicas) {
      expect(find('Deployment', name).kind).toBe('Deployment');
      expect(count).toBeGreaterThanOrEqual(2);
    }
    expect(overlay.configMapGenerator).toEqual([
      {
        name: kustomization(BASE).configMapGenerator[0].name,
        behavior: 'merge',
        literals: expect.any(Array),
      },
    ]);
  });
});

/** A Kubernetes memory quantity (Mi, Gi, M) in MiB. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi|M|G)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  const n = Number(match[1]);
  return { Mi: n, Gi: n * 1024, M: (n * 1e6) / 2 ** 20, G: (n * 1e9) / 2 ** 20 }[match[2] as 'Mi']!;
}
