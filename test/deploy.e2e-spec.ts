import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parse, parseAllDocuments } from 'yaml';
import { SETTINGS } from '../src/config/settings';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, '..');
const KUBERNETES = join(ROOT, 'deploy', 'kubernetes');
const PROMETHEUS = join(ROOT, 'deploy', 'prometheus');

/** Every kind the manifests use, validated against the Kubernetes (and operator) schemas. */
type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

function podSpecs(objects: Json[]): Array<{ owner: string; spec: Json }> {
  return objects
    .filter((object) => object.kind === 'Deployment' || object.kind === 'Job')
    .map((object) => ({ owner: object.metadata.name, spec: object.spec.template.spec }));
}

/**
 * The deployable artefacts are checked offline: the Kubernetes manifests against the schemas
 * and against the service itself (probe paths and ports, setting names, image tags), and the
 * alert rules with promtool (installed by .ci/run; Debian's `prometheus` package).
 */
describe('deploy/: manifests and alert rules', () => {
  const kustomization = parse(readFileSync(join(KUBERNETES, 'kustomization.yaml'), 'utf8')) as Json;
  const files = kustomization.resources as string[];
  const objects: Json[] = files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(KUBERNETES, file), 'utf8')).map(
      (document) => document.toJSON() as Json,
    ),
  );

  it('lists every manifest of the folder in the kustomization', () => {
    const present = readdirSync(KUBERNETES).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );
    expect([...files].sort()).toEqual(present.sort());
  });

  it('every object is valid against its schema', () => {
    const kinds = new Set<string>();
    for (const object of objects) {
      const kind = `${object.apiVersion}/${object.kind}`;
      kinds.add(kind);
      const Model = MODELS[kind];
      expect({ kind, known: Model !== undefined }).toEqual({ kind, known: true });
      expect(() =>
        new (Model as new (data: Json) => { validate(): void })(object).validate(),
      ).not.toThrow();
    }
    expect([...kinds].sort()).toEqual(Object.keys(MODELS).sort());
  });

  it('the schemas catch a broken object (the check can fail)', () => {
    const deployment = objects.find((object) => object.kind === 'Deployment')!;
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort/);
  });

  it('runs the API and the workers apart, from one pinned image', () => {
    const deployments = objects.filter((object) => object.kind === 'Deployment');
    const workers = deployments.map((deployment) =>
      (deployment.spec.template.spec.containers[0].env as Json[]).find((e) => e.name === 'WORKERS'),
    );
    expect(workers.map((variable) => variable?.value).sort()).toEqual(['off', 'on']);
    const tag = (kustomization.images as Json[]).find(
      (image) => image.name === 'agentmesh',
    )?.newTag;
    expect(tag).toMatch(/^\d+\.\d+\.\d+$/);
    expect(tag).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    for (const { spec } of podSpecs(objects)) {
      for (const container of spec.containers as Json[]) {
        expect(container.image).toBe('agentmesh');
      }
    }
    const everything = files.map((file) => readFileSync(join(KUBERNETES, file), 'utf8')).join();
    expect(everything).not.toMatch(/:latest\b/);
    // A Job cannot be changed in place: each release applies one named after its version.
    const job = objects.find((object) => object.kind === 'Job')!;
    expect(job.metadata.name).toBe(`agentmesh-migrate-${tag.replace(/\./g, '-')}`);
  });

  it('probes ask the service’s own paths on its port, with room to answer', () => {
    const paths = ['/health/live', '/health/ready'];
    for (const deployment of objects.filter((object) => object.kind === 'Deployment')) {
      const [container] = deployment.spec.template.spec.containers as Json[];
      const port = (container.ports as Json[]).find((p) => p.name === 'http');
      const env = Object.fromEntries(
        (container.env as Json[]).map((variable) => [variable.name, variable.value]),
      );
      expect(port?.containerPort).toBe(Number(env.PORT));
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const check = container[probe] as Json;
        expect(paths).toContain(check.httpGet.path);
        expect(check.httpGet.port).toBe('http');
        expect(check.timeoutSeconds).toBeGreaterThanOrEqual(2);
        expect(check.failureThreshold).toBeGreaterThanOrEqual(3);
      }
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      // The grace period outlasts the preStop pause, the shutdown delay and the drain.
      const config = objects.find((object) => object.kind === 'ConfigMap')!.data as Json;
      const drainSeconds =
        (Number(config.SHUTDOWN_DELAY_MS) + Number(config.SHUTDOWN_GRACE_MS)) / 1000 +
        Number(container.lifecycle.preStop.exec.command[1]);
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
        drainSeconds,
      );
    }
  });

  it('runs as a non-root user on a read-only root filesystem', () => {
    for (const { owner, spec } of podSpecs(objects)) {
      expect({ owner, nonRoot: spec.securityContext.runAsNonRoot }).toEqual({
        owner,
        nonRoot: true,
      });
      for (const container of spec.containers as Json[]) {
        expect(container.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        });
        const mounts = (container.volumeMounts as Json[]).map((mount) => mount.mountPath);
        expect(mounts).toContain('/tmp');
      }
    }
  });

  it('names only settings the service reads', () => {
    // SETTINGS is exactly what the config loader reads (src/config/settings.spec.ts).
    const known = new Set(SETTINGS.map((setting) => setting.name));
    expect(known.has('DATABASE_URL')).toBe(true);
    const used: string[] = [];
    for (const object of objects) {
      if (object.kind === 'ConfigMap') used.push(...Object.keys(object.data as Json));
      if (object.kind === 'Secret') used.push(...Object.keys(object.stringData as Json));
    }
    for (const { spec } of podSpecs(objects)) {
      for (const container of spec.containers as Json[]) {
        used.push(...((container.env as Json[] | undefined) ?? []).map((e) => e.name as string));
      }
    }
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it('the PrometheusRule carries exactly the alert rules Prometheus loads', () => {
    const rules = parse(readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8')) as Json;
    const rule = objects.find((object) => object.kind === 'PrometheusRule')!;
    expect(rule.spec).toEqual(rules);
  });

  it('every alert has a runbook section in docs/operations.md', () => {
    const rules = parse(readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8')) as Json;
    const runbook = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const headings = new Set(
      [...runbook.matchAll(/^#+ (.+)$/gm)].map((match) => match[1].trim().toLowerCase()),
    );
    for (const alert of (rules.groups as Json[]).flatMap((group) => group.rules as Json[])) {
      const url = alert.annotations.runbook_url as string;
      expect(url).toBe(`docs/operations.md#${(alert.alert as string).toLowerCase()}`);
      expect(headings.has((alert.alert as string).toLowerCase())).toBe(true);
    }
  });

  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((path) =>
    existsSync(path),
  );
  if (!promtool && process.env.CI) {
    it('promtool is installed in CI (.ci/run installs Debian’s prometheus package)', () => {
      expect(promtool).toBeDefined();
    });
  }
  (promtool ? it : it.skip)('the rules pass promtool check and their unit tests', () => {
    const run = (...args: string[]) =>
      execFileSync(promtool!, args, { cwd: PROMETHEUS, encoding: 'utf8', stdio: 'pipe' });
    expect(run('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
    expect(run('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });
  if (!promtool) {
    console.warn('promtool is not installed: the alert rules unit tests are reported as skipped');
  }
});
