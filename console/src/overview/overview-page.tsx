import { useQuery } from '../api/hooks';
import type {
  Agent,
  Delivery,
  Envelope,
  Page,
  Run,
  SkillSummary,
  VerifyResult,
} from '../api/types';
import { useCan } from '../auth/session';
import { Bars, Loading, ProblemView, TableBox } from '../components/ui';
import { Link } from '../components/router';

const HOUR_MS = 3_600_000;
const SAMPLE = 200;

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

function AgentsPanel() {
  const agents = useQuery('/agents?limit=200', (api) =>
    api.get<Page<'agents', Agent>>('/agents', { limit: SAMPLE }),
  );
  const list = agents.data?.data.agents ?? [];
  const count = (status: string) => list.filter((agent) => agent.status === status).length;
  return (
    <section className="card" aria-label="Agents by status">
      <h2>
        <Link to="/fleet">Agents</Link>
      </h2>
      <ProblemView error={agents.error} />
      <Loading when={agents.loading && !agents.data} />
      <Bars
        title="Agents by status"
        items={['online', 'degraded', 'draining', 'offline'].map((status) => ({
          label: status,
          value: count(status),
          tone: status,
        }))}
      />
    </section>
  );
}

function RunsPanel() {
  const runs = useQuery('/workflows?limit=200', (api) =>
    api.get<Page<'workflows', Run>>('/workflows', { limit: SAMPLE }),
  );
  const since = Date.now() - HOUR_MS;
  const recent = (runs.data?.data.workflows ?? []).filter(
    (run) => Date.parse(run.createdAt) >= since,
  );
  const finishedRecently = (status: string) =>
    (runs.data?.data.workflows ?? []).filter(
      (run) => run.status === status && run.finishedAt && Date.parse(run.finishedAt) >= since,
    ).length;
  return (
    <section className="card" aria-label="Runs in the last hour">
      <h2>
        <Link to="/runs">Runs</Link> in the last hour
      </h2>
      <ProblemView error={runs.error} />
      <Bars
        title="Runs in the last hour"
        items={[
          { label: 'started', value: recent.length },
          { label: 'succeeded', value: finishedRecently('succeeded'), tone: 'online' },
          { label: 'failed', value: finishedRecently('failed'), tone: 'offline' },
        ]}
      />
      <p className="muted">From the latest {SAMPLE} runs.</p>
    </section>
  );
}

function DeliveriesPanel() {
  const deliveries = useQuery('/webhooks/deliveries?limit=200', (api) =>
    api.get<Page<'deliveries', Delivery>>('/webhooks/deliveries', { limit: SAMPLE }),
  );
  const list = deliveries.data?.data.deliveries ?? [];
  const done = list.filter((d) => d.status === 'succeeded' || d.status === 'dead');
  const succeeded = done.filter((d) => d.status === 'succeeded').length;
  const rate = done.length > 0 ? Math.round((succeeded / done.length) * 100) : undefined;
  return (
    <section className="card" aria-label="Webhook deliveries">
      <h2>
        <Link to="/webhooks">Deliveries</Link>
      </h2>
      <ProblemView error={deliveries.error} />
      <p className="big">{rate === undefined ? '—' : `${rate}%`}</p>
      <p className="muted">delivered of the latest {done.length} finished deliveries</p>
      <Bars
        title="Deliveries by status"
        items={['pending', 'succeeded', 'failed', 'dead'].map((status) => ({
          label: status,
          value: list.filter((d) => d.status === status).length,
          tone: status === 'succeeded' ? 'online' : status === 'dead' ? 'offline' : undefined,
        }))}
      />
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
