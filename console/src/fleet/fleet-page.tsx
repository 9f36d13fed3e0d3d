import { useState } from 'react';
import { useQuery } from '../api/hooks';
import { withQuery } from '../api/client';
import type { Agent, AgentQuarantine, Page } from '../api/types';
import { useCan } from '../auth/session';
import { Link } from '../components/router';
import { Loading, NeedsScope, Pager, ProblemView, Status, TableBox, Time } from '../components/ui';

const AGENT_STATUSES = ['online', 'degraded', 'draining', 'offline'];

export function FleetPage() {
  const can = useCan();
  if (!can('agents:read'))
    return <NeedsScope title="Fleet" what="Seeing the fleet" scope="agents:read" />;
  return <FleetList />;
}

function FleetList() {
  const [filters, setFilters] = useState({ skill: '', tag: '', status: '', q: '' });
  const [cursors, setCursors] = useState<string[]>([]);
  const query = { ...filters, limit: 50, cursor: cursors.at(-1) };
  const agents = useQuery(withQuery('/agents', query), (api) =>
    api.get<Page<'agents', Agent>>('/agents', query),
  );
  const set = (name: keyof typeof filters) => (value: string) => {
    setFilters({ ...filters, [name]: value });
    setCursors([]);
  };
  return (
    <>
      <h1>Fleet</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Search
          <input type="search" value={filters.q} onChange={(e) => set('q')(e.target.value)} />
        </label>
        <label>
          Skill
          <input value={filters.skill} onChange={(e) => set('skill')(e.target.value)} />
        </label>
        <label>
          Tag
          <input value={filters.tag} onChange={(e) => set('tag')(e.target.value)} />
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(e) => set('status')(e.target.value)}>
            <option value="">any</option>
            {AGENT_STATUSES.map((status) => (
              <option key={status}>{status}</option>
            ))}
          </select>
        </label>
      </form>
      <ProblemView error={agents.error} />
      <Loading when={agents.loading && !agents.data} />
      {agents.data && (
        <>
          <TableBox label="Agents">
            <table>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Status</th>
                  <th scope="col">Skills</th>
                  <th scope="col">Quarantined</th>
                  <th scope="col">Last beat</th>
                  <th scope="col">In flight</th>
                  <th scope="col">Load</th>
                </tr>
              </thead>
              <tbody>
                {agents.data.data.agents.map((agent) => (
                  <tr key={agent.id}>
                    <td>
                      <Link to={`/fleet/${agent.id}`}>{agent.name}</Link>
                      <div className="muted">{agent.id}</div>
                    </td>
                    <td>
                      <Status value={agent.status} />
                    </td>
                    <td>{agent.skills.map((skill) => skill.name).join(', ')}</td>
                    <td>
                      <Quarantines list={agent.quarantines} />
                    </td>
                    <td>
                      <Time value={agent.lastHeartbeatAt} />
                    </td>
                    <td>{agent.inFlight ?? '—'}</td>
                    <td>{agent.load != null ? `${Math.round(agent.load * 100)}%` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          {agents.data.data.agents.length === 0 && <p>No agents match.</p>}
          <Pager cursors={cursors} next={agents.data.meta.nextCursor} onChange={setCursors} />
        </>
      )}
    </>
  );
}

/** The skills an agent gets no tasks of now, each with the end of its cool-down. */
function Quarantines({ list }: { list: AgentQuarantine[] }) {
  if (list.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="plain">
      {list.map((quarantine) => (
        <li key={quarantine.skill}>
          <span className="status status-quarantined">{quarantine.skill}</span> until{' '}
          <Time value={quarantine.until} />
        </li>
      ))}
    </ul>
  );
}
