import { useState } from 'react';
import { useQuery } from '../api/hooks';
import type { Definition, Envelope, Page } from '../api/types';
import { useCan } from '../auth/session';
import { Loading, NeedsScope, ProblemView, TableBox, Time } from '../components/ui';
import { DagView } from '../runs/dag-view';
import { StartRun } from '../runs/runs-page';

export function DefinitionsPage() {
  const can = useCan();
  if (!can('workflows:read'))
    return <NeedsScope title="Definitions" what="Reading definitions" scope="workflows:read" />;
  return <DefinitionsList />;
}

function DefinitionsList() {
  const definitions = useQuery('/workflow-definitions?limit=200', (api) =>
    api.get<Page<'definitions', Definition>>('/workflow-definitions', { limit: 200 }),
  );
  const [open, setOpen] = useState<string>();
  const list = definitions.data?.data.definitions ?? [];
  return (
    <>
      <h1>Definitions</h1>
      <ProblemView error={definitions.error} />
      <Loading when={definitions.loading && !definitions.data} />
      <TableBox label="Definitions">
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Latest version</th>
              <th scope="col">Steps</th>
              <th scope="col">Created</th>
              <th scope="col">Graph</th>
            </tr>
          </thead>
          <tbody>
            {list.map((definition) => (
              <tr key={definition.key}>
                <td>{definition.key}</td>
                <td>v{definition.version}</td>
                <td>{definition.steps.length}</td>
                <td>
                  <Time value={definition.createdAt} />
                </td>
                <td>
                  <button
                    type="button"
                    aria-expanded={open === definition.key}
                    onClick={() => setOpen(open === definition.key ? undefined : definition.key)}
                  >
                    {open === definition.key ? 'Hide' : 'Show'} {definition.key}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      {open && (
        <DefinitionPanel
          key={open}
          definitionKey={open}
          latest={list.find((d) => d.key === open)?.version ?? 1}
        />
      )}
    </>
  );
}

function DefinitionPanel({ definitionKey, latest }: { definitionKey: string; latest: number }) {
  const can = useCan();
  const [version, setVersion] = useState(latest);
  const path = `/workflow-definitions/${encodeURIComponent(definitionKey)}`;
  const definition = useQuery(`${path}?version=${version}`, (api) =>
    api.get<Envelope<Definition>>(path, { version }),
  );
  const data = definition.data?.data;
  const versions = Array.from({ length: latest }, (_, i) => latest - i);
  return (
    <section className="card" aria-label={`Definition ${definitionKey}`}>
      <h2>{definitionKey}</h2>
      <label>
        Version
        <select value={version} onChange={(e) => setVersion(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </label>
      <ProblemView error={definition.error} />
      {data && (
        <DagView
          label={`Step graph of ${definitionKey} v${data.version}`}
          steps={data.steps.map((step) => ({
            key: step.key,
            dependsOn: step.dependsOn,
            status: step.kind ?? 'task',
            detail: step.kind && step.kind !== 'task' ? undefined : step.skill,
          }))}
        />
      )}
      {data && data.triggers.length > 0 && (
        <p>
          Triggers:{' '}
          {data.triggers
            .map((t) => `${t.source} ${t.event}${t.action ? ` (${t.action})` : ''}`)
            .join(', ')}
        </p>
      )}
      {can('workflows:write') && <StartRun definitionKey={definitionKey} />}
    </section>
  );
}
