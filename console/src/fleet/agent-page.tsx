import { useAction, useQuery } from '../api/hooks';
import type {
  Agent,
  AgentQuarantine,
  AgentTask,
  Envelope,
  LeaderboardEntry,
  Page,
} from '../api/types';
import { useCan } from '../auth/session';
import { Link } from '../components/router';
import { Json, Loading, ProblemView, Status, TableBox, Time } from '../components/ui';

const RECENT_TASKS = 20;

export function AgentPage({ id }: { id: string }) {
  const path = `/agents/${encodeURIComponent(id)}`;
  const agent = useQuery(path, (api) => api.get<Envelope<Agent>>(path));
  const card = useQuery(`${path}/card`, (api) => api.get<unknown>(`${path}/card`));
  const data = agent.data?.data;
  const can = useCan();
  return (
    <>
      <h1>Agent {data?.name ?? id}</h1>
      <ProblemView error={agent.error} />
      <Loading when={agent.loading && !data} />
      {data && (
        <>
          <dl className="facts">
            <dt>Id</dt>
            <dd>{data.id}</dd>
            <dt>Status</dt>
            <dd>
              <Status value={data.status} />
            </dd>
            <dt>Last beat</dt>
            <dd>
              <Time value={data.lastHeartbeatAt} />
            </dd>
            <dt>Quarantined</dt>
            <dd>
              {data.quarantines.length === 0
                ? 'no'
                : data.quarantines.map((quarantine) => quarantine.skill).join(', ')}
            </dd>
            <dt>In flight</dt>
            <dd>{data.inFlight ?? '—'}</dd>
            <dt>Version</dt>
            <dd>{data.version ?? '—'}</dd>
            <dt>Endpoint</dt>
            <dd>{data.endpoint ?? '—'}</dd>
          </dl>
          {data.description && <p>{data.description}</p>}
          {data.quarantines.length > 0 && <Quarantines agentId={data.id} list={data.quarantines} />}
          <h2>Labels</h2>
          <Json value={data.labels} label="Labels" />
          <h2>Skills and standing</h2>
          <TableBox label="Skills and leaderboard standing">
            <table>
              <thead>
                <tr>
                  <th scope="col">Skill</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Rank</th>
                  <th scope="col">Routing</th>
                  <th scope="col">Succeeded / total</th>
                  <th scope="col">Wilson lower bound</th>
                </tr>
              </thead>
              <tbody>
                {data.skills.map((skill) => (
                  <SkillRow
                    key={skill.id}
                    agentId={data.id}
                    skill={skill.id}
                    name={skill.name}
                    tags={skill.tags}
                    quarantine={data.quarantines.find((q) => q.skill === skill.id)}
                  />
                ))}
              </tbody>
            </table>
          </TableBox>
          {can('workflows:read') && <RecentTasks agentId={data.id} />}
          <h2>A2A card</h2>
          <ProblemView error={card.error} />
          <Json value={card.data} label="A2A agent card" />
        </>
      )}
    </>
  );
}

function SkillRow({
  agentId,
  skill,
  name,
  tags,
  quarantine,
}: {
  agentId: string;
  skill: string;
  name: string;
  tags: string[];
  quarantine: AgentQuarantine | undefined;
}) {
  const key = `/agents/leaderboard?skill=${encodeURIComponent(skill)}`;
  const board = useQuery(key, (api) =>
    api.get<Page<'leaderboard', LeaderboardEntry>>('/agents/leaderboard', { skill }),
  );
  const entry = board.data?.data.leaderboard.find((row) => row.agentId === agentId);
  const of = board.data?.data.leaderboard.length ?? 0;
  return (
    <tr>
      <td>{name}</td>
      <td>{tags.join(', ')}</td>
      <td>{entry ? `${entry.rank} of ${of}` : '—'}</td>
      <td>
        {quarantine || entry?.quarantined.includes(skill) ? (
          <>
            <span className="status status-quarantined">quarantined</span>
            {quarantine && (
              <>
                {' '}
                until <Time value={quarantine.until} />
              </>
            )}
          </>
        ) : (
          'gets tasks'
        )}
      </td>
      <td>{entry ? `${entry.successes} / ${entry.total}` : '—'}</td>
      <td>{entry ? entry.wilsonLowerBound.toFixed(3) : '—'}</td>
    </tr>
  );
}

/**
 * The skills the agent gets no tasks of now, why (its success rate's lower bound over the
 * outcomes it was judged on) and until when; "Release" ends one (POST /agents/{id}/release).
 */
function Quarantines({ agentId, list }: { agentId: string; list: AgentQuarantine[] }) {
  const can = useCan();
  const release = useAction(
    (api, skill: string) =>
      api.post<Envelope<{ released: string[] }>>(`/agents/${encodeURIComponent(agentId)}/release`, {
        skill,
      }),
    ['/agents'],
  );
  return (
    <section aria-label="Quarantines">
      <h2>Quarantines</h2>
      <TableBox label="Quarantined skills">
        <table>
          <thead>
            <tr>
              <th scope="col">Skill</th>
              <th scope="col">Why</th>
              <th scope="col">Since</th>
              <th scope="col">Until</th>
              {can('agents:write') && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {list.map((quarantine) => (
              <tr key={quarantine.skill}>
                <td>{quarantine.skill}</td>
                <td>
                  {quarantine.successes} of {quarantine.samples} succeeded (lower bound{' '}
                  {quarantine.lowerBound.toFixed(3)})
                </td>
                <td>
                  <Time value={quarantine.since} />
                </td>
                <td>
                  <Time value={quarantine.until} />
                </td>
                {can('agents:write') && (
                  <td>
                    <button
                      type="button"
                      onClick={() => void release.run(quarantine.skill)}
                      disabled={release.pending}
                      aria-label={`Release from ${quarantine.skill}`}
                    >
                      Release
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      {!can('agents:write') && (
        <p className="muted">Releasing a quarantine needs the scope agents:write.</p>
      )}
      <ProblemView error={release.error} />
    </section>
  );
}

/** The agent's latest tasks (GET /agents/{id}/tasks), each linked to its run. */
function RecentTasks({ agentId }: { agentId: string }) {
  const path = `/agents/${encodeURIComponent(agentId)}/tasks`;
  const tasks = useQuery(`${path}?limit=${RECENT_TASKS}`, (api) =>
    api.get<Page<'tasks', AgentTask>>(path, { limit: String(RECENT_TASKS) }),
  );
  const rows = tasks.data?.data.tasks ?? [];
  return (
    <>
      <h2>Recent tasks</h2>
      <ProblemView error={tasks.error} />
      <Loading when={tasks.loading && !tasks.data} />
      {tasks.data && rows.length === 0 && <p>No task claimed yet.</p>}
      {rows.length > 0 && (
        <TableBox label="Recent tasks">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Step</th>
                <th scope="col">Skill</th>
                <th scope="col">Status</th>
                <th scope="col">Attempt</th>
                <th scope="col">Claimed</th>
                <th scope="col">Finished</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((task) => (
                <tr key={task.id}>
                  <td>
                    <Link to={`/runs/${task.workflowId}`}>{task.workflowId.slice(0, 8)}</Link>
                  </td>
                  <td>{task.stepKey}</td>
                  <td>{task.skill}</td>
                  <td>
                    <Status value={task.status} />
                  </td>
                  <td>
                    {task.attempt} of {task.maxAttempts}
                  </td>
                  <td>
                    <Time value={task.claimedAt ?? null} />
                  </td>
                  <td>
                    <Time value={task.finishedAt ?? null} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </>
  );
}
