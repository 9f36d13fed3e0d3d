import { useEffect } from 'react';
import { useQuery } from '../api/hooks';
import type {
  AgentSummary,
  DeliverySummary,
  Envelope,
  Page,
  RunSummary,
  SkillSummary,
  VerifyResult,
} from '../api/types';
import { useCan, useSession } from '../auth/session';
import { Bars, Loading, ProblemView, TableBox } from '../components/ui';
import { Link } from '../components/router';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const AGENT_STATUSES = ['online', 'degraded', 'draining', 'offline'] as const;

/** The fleet at a glance; each panel only when the key may read what it shows. */
export function OverviewPage() {
  const can = useCan();
  return (
    <>
      <h1>Overview</h1>
      <div className="grid">
        {can('agents:read') && <AgentsPanel />}
        {can('workflows:read') && <RunsPanel />}
        {can('webhooks:admin') && <DeliveriesPanel />}
        {can('audit:read') && <AuditPanel />}
      </div>
      {can('agents:read') && <QueuesPanel />}
    </>
  );
}

/** Every agent of the tenant, counted by the server (GET /agents/summary), not a page of them. */
function AgentsPanel() {
  const { session } = useSession();
  useEffect(() => session.cache.invalidate('/agents/summary'), [session]);
  const summary = useQuery('/agents/summary', (api) =>
    api.get<Envelope<AgentSummary>>('/agents/summary'),
  );
  const data = summary.data?.data;
  return (
    <section className="card" aria-label="Agents by status">
      <h2>
        <Link to="/fleet">Agents</Link>
      </h2>
      <ProblemView error={summary.error} />
      <Loading when={summary.loading && !data} />
      {data && (
        <>
          <p className="big">{data.total}</p>
          <p className="muted">
            {data.total === 1 ? 'agent' : 'agents'}; {data.quarantined} quarantined from a skill
          </p>
          <Bars
            title="Agents by status"
            items={AGENT_STATUSES.map((status) => ({
              label: status,
              value: data.byStatus?.[status] ?? 0,
              tone: status,
            }))}
          />
        </>
      )}
    </section>
  );
}

/**
 * A summary over the window ending now: one cache key per route, the window computed when it
 * loads, and loaded again each time the Overview opens (a count of "the last hour" must not
 * come from a visit an hour ago).
 */
function useSummary<T>(path: string, windowMs: number) {
  const { session } = useSession();
  useEffect(() => session.cache.invalidate(path), [session, path]);
  return useQuery(path, (api) =>
    api.get<Envelope<T>>(path, { since: new Date(Date.now() - windowMs).toISOString() }),
  );
}

function RunsPanel() {
  const summary = useSummary<RunSummary>('/workflows/summary', HOUR_MS);
  const data = summary.data?.data;
  return (
    <section className="card" aria-label="Runs in the last hour">
      <h2>
        <Link to="/runs">Runs</Link> in the last hour
      </h2>
      <ProblemView error={summary.error} />
      <Loading when={summary.loading && !data} />
      {data && (
        <Bars
          title="Runs in the last hour"
          items={[
            { label: 'started', value: data.created },
            { label: 'succeeded', value: data.finishedByStatus.succeeded, tone: 'online' },
            { label: 'failed', value: data.finishedByStatus.failed, tone: 'offline' },
          ]}
        />
      )}
    </section>
  );
}

function DeliveriesPanel() {
  const summary = useSummary<DeliverySummary>('/webhooks/deliveries/summary', DAY_MS);
  const counts = summary.data?.data.byStatus;
  const finished = counts ? counts.succeeded + counts.dead : 0;
  const rate = counts && finished > 0 ? Math.round((counts.succeeded / finished) * 100) : undefined;
  return (
    <section className="card" aria-label="Webhook deliveries in the last 24 hours">
      <h2>
        <Link to="/webhooks">Deliveries</Link> in the last 24 hours
      </h2>
      <ProblemView error={summary.error} />
      <Loading when={summary.loading && !counts} />
      {counts && (
        <>
          <p className="big">{rate === undefined ? '—' : `${rate}%`}</p>
          <p className="muted">
            delivered of {finished} finished {finished === 1 ? 'delivery' : 'deliveries'}
          </p>
          <Bars
            title="Deliveries by status"
            items={(['pending', 'succeeded', 'failed', 'dead'] as const).map((status) => ({
              label: status,
              value: counts[status],
              tone: status === 'succeeded' ? 'online' : status === 'dead' ? 'offline' : undefined,
            }))}
          />
        </>
      )}
    </section>
  );
}

function AuditPanel() {
  const verify = useQuery('/audit/verify', (api) =>
    api.get<Envelope<VerifyResult>>('/audit/verify'),
  );
  const result = verify.data?.data;
  return (
    <section className="card" aria-label="Audit chain">
      <h2>
        <Link to="/audit">Audit chain</Link>
      </h2>
      <ProblemView error={verify.error} />
      <Loading when={verify.loading && !result} />
      {result && (
        <>
          <p className="big">{result.valid ? 'intact' : 'BROKEN'}</p>
          <p className="muted">
            {result.checked} entries checked; head {result.head?.seq ?? '—'}
          </p>
        </>
      )}
    </section>
  );
}

function QueuesPanel() {
  const skills = useQuery('/skills', (api) => api.get<Page<'skills', SkillSummary>>('/skills'));
  const list = skills.data?.data.skills ?? [];
  return (
    <section aria-label="Queues per skill">
      <h2>Queues per skill</h2>
      <ProblemView error={skills.error} />
      <TableBox label="Queues per skill">
        <table>
          <thead>
            <tr>
              <th scope="col">Skill</th>
              <th scope="col">Agents online</th>
              <th scope="col">Queued tasks</th>
              <th scope="col">Oldest queued</th>
            </tr>
          </thead>
          <tbody>
            {list.map((skill) => (
              <tr key={skill.skill}>
                <td>{skill.skill}</td>
                <td>
                  {skill.agentsOnline} / {skill.agentsTotal}
                </td>
                <td>{skill.queuedTasks}</td>
                <td>
                  {skill.oldestQueuedAgeSeconds != null ? `${skill.oldestQueuedAgeSeconds} s` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </section>
  );
}
