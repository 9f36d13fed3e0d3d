import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, '..');

/** The metric names a PromQL expression reads (functions, labels, ranges and strings left out). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/(^|[^A-Za-z0-9_:])\d[\d.]*(?:e[+-]?\d+)?/gi, '$1');
  const names: string[] = [];
  for (const match of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    if (match[2] || /^(and|or|unless|bool|offset)$/.test(match[1])) continue;
    names.push(match[1]);
  }
  return names;
}

/** Every sample name the service exports: families, and a histogram's series. */
function exported(metricsText: string): Set<string> {
  const names = new Set<string>(['up']); // set by Prometheus for every target
  for (const line of metricsText.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!type) continue;
    names.add(type[1]);
    if (type[2] === 'histogram' || type[2] === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(type[1] + suffix);
    }
  }
  return names;
}

/** The gauges among them. */
function gaugeNames(metricsText: string): Set<string> {
  return new Set([...metricsText.matchAll(/^# TYPE (\S+) gauge$/gm)].map((match) => match[1]));
}

/**
 * Gauges each replica reports about itself: summed across replicas, they add up. Every other
 * gauge is read from the database, so that every replica reports the same value: it is
 * aggregated with max (or min), since a sum counts it once per replica.
 */
const PER_REPLICA = /^(agentmesh_workers|rate_limit_shared|db_pool_.*|process_.*|nodejs_.*)$/;

/** `sum(g)` or `sum by (labels) (g)` of a gauge straight, not split by instance. */
function summedAcrossReplicas(expr: string, gauges: Set<string>): string[] {
  const found: string[] = [];
  const pattern =
    /\bsum\s*(?:by\s*\(([^)]*)\)\s*)?\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{[^}]*\})?\s*\)/g;
  for (const match of expr.matchAll(pattern)) {
    const labels = (match[1] ?? '').split(',').map((label) => label.trim());
    const name = match[2];
    if (gauges.has(name) && !PER_REPLICA.test(name) && !labels.includes('instance')) {
      found.push(name);
    }
  }
  return found;
}

/**
 * The Grafana dashboard and the alert rules only read metrics this service exports: a renamed
 * metric fails here rather than as an empty panel or an alert that can never fire.
 */
describe('dashboard and alert expressions', () => {
  let test: TestApp;
  let names: Set<string>;
  let gauges: Set<string>;

  beforeAll(async () => {
    test = await startTestApp();
    const response = await test.http.get('/metrics');
    expect(response.status).toBe(200);
    names = exported(response.text);
    gauges = gaugeNames(response.text);
  });

  afterAll(async () => {
    await test.close();
  });

  it('reads metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{a="b"}[5m]))) > 1',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.02')).toEqual([
      'a_total',
      'b_total',
    ]);
    expect(metricNames('max(x) and on (instance) up == 0')).toEqual(['x', 'up']);
    expect(metricNames('max(heap_bytes) / 1e9 + 2.5')).toEqual(['heap_bytes']);
  });

  it('every dashboard panel queries metrics the service exports', () => {
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'deploy', 'grafana', 'agentmesh.json'), 'utf8'),
    ) as Json;
    const panels = (dashboard.panels as Json[]).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    const unknown: string[] = [];
    for (const panel of panels) {
      expect({ panel: panel.title, targets: (panel.targets as Json[]).length > 0 }).toEqual({
        panel: panel.title,
        targets: true,
      });
      for (const target of panel.targets as Json[]) {
        for (const name of metricNames(target.expr as string)) {
          if (!names.has(name)) unknown.push(`${panel.title as string}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('charts usage, budgets, receipts and retention', () => {
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'deploy', 'grafana', 'agentmesh.json'), 'utf8'),
    ) as Json;
    const exprs = (dashboard.panels as Json[])
      .filter((panel) => panel.type !== 'row')
      .flatMap((panel) => (panel.targets as Json[]).map((target) => target.expr as string));
    const charted = new Set(exprs.flatMap(metricNames));
    const wanted = [
      'agent_tokens_total',
      'agent_cost_usd_total',
      'workflow_receipts_issued_total',
      'workflow_receipt_signing_seconds_bucket',
      'history_partitions_dropped_total',
    ];
    expect(wanted.filter((name) => !charted.has(name))).toEqual([]);
    expect(exprs.some((expr) => /workflow_runs_waiting\{reason="budget"\}/.test(expr))).toBe(true);
    const usage = (dashboard.panels as Json[]).find((panel) => panel.title === 'Usage and budgets');
    expect(usage?.type).toBe('row');
  });

  it('every alert rule reads metrics the service exports', () => {
    const rules = parse(
      readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'),
    ) as Json;
    const unknown = (rules.groups as Json[])
      .flatMap((group) => group.rules as Json[])
      .flatMap((rule) => metricNames(rule.expr as string).map((name) => `${rule.alert}: ${name}`))
      .filter((entry) => !names.has(entry.split(': ')[1]));
    expect(unknown).toEqual([]);
  });

  it('never sums a gauge every replica reads from the database', () => {
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'deploy', 'grafana', 'agentmesh.json'), 'utf8'),
    ) as Json;
    const rules = parse(
      readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'),
    ) as Json;
    expect(gauges.has('task_queue_depth')).toBe(true);
    expect(gauges.has('agentmesh_workers')).toBe(true);
    const summed = [
      ...(dashboard.panels as Json[])
        .filter((panel) => panel.type !== 'row')
        .flatMap((panel) =>
          (panel.targets as Json[]).flatMap((target) =>
            summedAcrossReplicas(target.expr as string, gauges).map(
              (name) => `${panel.title as string}: ${name}`,
            ),
          ),
        ),
      ...(rules.groups as Json[])
        .flatMap((group) => group.rules as Json[])
        .flatMap((rule) =>
          summedAcrossReplicas(rule.expr as string, gauges).map((name) => `${rule.alert}: ${name}`),
        ),
    ];
    expect(summed).toEqual([]);
  });

  it('a gauge summed across replicas is caught, a per-replica one or one by instance is not', () => {
    const some = new Set([
      'task_queue_depth',
      'workflow_runs_waiting',
      'agentmesh_workers',
      'db_pool_connections',
    ]);
    expect(summedAcrossReplicas('sum(task_queue_depth)', some)).toEqual(['task_queue_depth']);
    expect(
      summedAcrossReplicas('sum by (reason) (workflow_runs_waiting{reason="budget"})', some),
    ).toEqual(['workflow_runs_waiting']);
    expect(summedAcrossReplicas('sum(max by (skill) (task_queue_depth))', some)).toEqual([]);
    expect(summedAcrossReplicas('max by (reason) (workflow_runs_waiting)', some)).toEqual([]);
    expect(summedAcrossReplicas('sum(agentmesh_workers) < 1', some)).toEqual([]);
    expect(summedAcrossReplicas('sum by (instance) (db_pool_connections)', some)).toEqual([]);
    expect(summedAcrossReplicas('sum(rate(http_requests_total[5m]))', some)).toEqual([]);
  });

  it('a panel naming a metric that does not exist is caught', () => {
    expect(metricNames('rate(no_such_metric_total[5m])').filter((n) => !names.has(n))).toEqual([
      'no_such_metric_total',
    ]);
  });
});
