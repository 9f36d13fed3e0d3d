import { useState, type FormEvent } from 'react';
import { useAction, useQuery } from '../api/hooks';
import { withQuery } from '../api/client';
import type { Definition, Envelope, Page, Run } from '../api/types';
import { useCan } from '../auth/session';
import { Link, useRouter } from '../components/router';
import { Loading, NeedsScope, Pager, ProblemView, Status, TableBox, Time } from '../components/ui';

const RUN_STATUSES = [
  'scheduled',
  'pending',
  'running',
  'budget_exceeded',
  'succeeded',
  'failed',
  'cancelled',
];
const PAGE = 25;

export function RunsPage() {
  const can = useCan();
  if (!can('workflows:read'))
    return <NeedsScope title="Runs" what="Reading runs" scope="workflows:read" />;
  return <RunsList />;
}

function RunsList() {
  const can = useCan();
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const query = { status, type, limit: PAGE, cursor: cursors.at(-1) };
  const runs = useQuery(withQuery('/workflows', query), (api) =>
    api.get<Page<'workflows', Run>>('/workflows', query),
  );
  const filter = (change: () => void) => {
    change();
    setCursors([]);
  };
  return (
    <>
      <h1>Runs</h1>
      {can('workflows:write') && <StartRun />}
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => filter(() => setStatus(e.target.value))}>
            <option value="">any</option>
            {RUN_STATUSES.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <label>
          Definition or type
          <input value={type} onChange={(e) => filter(() => setType(e.target.value))} />
        </label>
      </form>
      <ProblemView error={runs.error} />
      <Loading when={runs.loading && !runs.data} />
      {runs.data && (
        <>
          <TableBox label="Runs">
            <table>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Finished</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.data.workflows.map((run) => (
                  <tr key={run.id}>
                    <td>
                      <Link to={`/runs/${run.id}`}>{run.id}</Link>
                    </td>
                    <td>
                      {run.type}
                      {run.definitionVersion ? ` v${run.definitionVersion}` : ''}
                    </td>
                    <td>
                      <Status value={run.status} />
                    </td>
                    <td>
                      <Time value={run.createdAt} />
                    </td>
                    <td>
                      <Time value={run.finishedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          {runs.data.data.workflows.length === 0 && <p>No runs match.</p>}
          <Pager cursors={cursors} next={runs.data.meta.nextCursor} onChange={setCursors} />
        </>
      )}
    </>
  );
}

/** Start a run of a definition with a JSON input; opens the run's page. */
export function StartRun({ definitionKey }: { definitionKey?: string }) {
  const { navigate } = useRouter();
  const definitions = useQuery('/workflow-definitions?limit=200', (api) =>
    api.get<Page<'definitions', Definition>>('/workflow-definitions', { limit: 200 }),
  );
  const [key, setKey] = useState(definitionKey ?? '');
  const [input, setInput] = useState('{}');
  const start = useAction(
    (api, body: { definitionKey: string; input: string }) =>
      api.post<Envelope<Run>>('/workflows', {
        definitionKey: body.definitionKey,
        input: parseJson(body.input),
      }),
    ['/workflows'],
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The select is required: nothing chosen starts nothing (not the first definition).
    if (!key) return;
    const run = await start.run({ definitionKey: key, input });
    if (run) navigate(`/runs/${run.data.id}`);
  };
  const list = definitions.data?.data.definitions ?? [];
  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-label="Start a run">
      <h2>Start a run</h2>
      <label>
        Definition
        <select value={key} required onChange={(e) => setKey(e.target.value)}>
          {!definitionKey && <option value="">choose…</option>}
          {list.map((definition) => (
            <option key={definition.key} value={definition.key}>
              {definition.key} (v{definition.version})
            </option>
          ))}
        </select>
      </label>
      <label>
        Input (JSON)
        <textarea
          value={input}
          rows={4}
          spellCheck={false}
          onChange={(e) => setInput(e.target.value)}
          className="code"
        />
      </label>
      <button type="submit" disabled={start.pending}>
        Start run
      </button>
      <ProblemView error={start.error} />
    </form>
  );
}

/** Parses the editor's text; a syntax error becomes a message the action shows. */
export function parseJson(text: string): unknown {
  try {
    return text.trim() === '' ? undefined : JSON.parse(text);
  } catch (error) {
    throw new Error(`The input is not valid JSON: ${(error as Error).message}`);
  }
}
