import { useQuery } from '../api/hooks';
import type { Agent, Envelope, LeaderboardEntry, Page } from '../api/types';
import { Json, Loading, ProblemView, Status, TableBox, Time } from '../components/ui';

export function AgentPage({ id }: { id: string }) {
  const path = `/agents/${encodeURIComponent(id)}`;
  const agent = useQuery(path, (api) => api.get<Envelope<Agent>>(path));
  const card = useQuery(`${path}/card`, (api) => api.get<unknown>(`${path}/card`));
  const data = agent.data?.data;
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
            <dt>In flight</dt>
            <dd>{data.inFlight ?? '—'}</dd>
            <dt>Version</dt>
            <dd>{data.version ?? '—'}</dd>
            <dt>Endpoint</dt>
            <dd>{data.endpoint ?? '—'}</dd>
          </dl>
          {data.description && <p>{data.description}</p>}
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
                  />
                ))}
              </tbody>
            </table>
          </TableBox>
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
}: {
  agentId: string;
  skill: string;
  name: string;
  tags: string[];
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
      <td>{entry ? `${entry.successes} / ${entry.total}` : '—'}</td>
      <td>{entry ? entry.wilsonLowerBound.toFixed(3) : '—'}</td>
    </tr>
  );
}
