import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useAction, useQuery } from '../api/hooks';
import type { Envelope, Page, RunDetail, RunStep, TaskDetail, WorkflowEvent } from '../api/types';
import { useCan, useSession } from '../auth/session';
import { Json, Loading, Pager, ProblemView, Status, TableBox, Time } from '../components/ui';
import { DagView } from './dag-view';
import { parseJson } from './runs-page';
import { useRunStream } from './use-run-stream';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
/** Many events arrive together (a stream's history): refetch once per burst. */
const REFETCH_MS = 200;
/** Events a page of the run's history shows. */
const HISTORY_PAGE = 200;

export function RunPage({ id }: { id: string }) {
  const path = `/workflows/${encodeURIComponent(id)}`;
  const run = useQuery(path, (api) => api.get<Envelope<RunDetail>>(path));
  // The history in pages of HISTORY_PAGE, oldest first, as the API answers it.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const events = useQuery(`${path}/events?cursor=${cursor ?? ''}`, (api) =>
    api.get<Page<'events', WorkflowEvent>>(`${path}/events`, { limit: HISTORY_PAGE, cursor }),
  );
  const { session } = useSession();
  const [selected, setSelected] = useState<string>();
  const detail = run.data?.data;
  const finished = detail ? FINISHED.has(detail.status) : false;

  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);
  const mode = useRunStream(id, !detail || finished, () => {
    pending.current ??= setTimeout(() => {
      pending.current = undefined;
      run.reload();
      events.reload();
      session.cache.invalidate('/tasks/');
    }, REFETCH_MS);
  });

  const steps = useMemo(
    () =>
      (detail?.steps ?? []).map((step) => ({
        key: step.key,
        dependsOn: step.dependsOn,
        status: step.status,
        detail: step.kind && step.kind !== 'task' ? step.kind : step.skill,
      })),
    [detail],
  );
  const step = detail?.steps.find((candidate) => candidate.key === selected);

  return (
    <>
      <h1>Run {id}</h1>
      <ProblemView error={run.error} />
      <Loading when={run.loading && !detail} />
      {detail && (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Status value={detail.status} />
            </dd>
            <dt>Definition</dt>
            <dd>
              {detail.type}
              {detail.definitionVersion ? ` v${detail.definitionVersion}` : ''}
            </dd>
            <dt>Created</dt>
            <dd>
              <Time value={detail.createdAt} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <Time value={detail.finishedAt} />
            </dd>
            <dt>Updates</dt>
            <dd>
              <span role="status">{MODE_TEXT[mode]}</span>
            </dd>
          </dl>
          <RunActions run={detail} />
          <h2>Steps</h2>
          <DagView
            steps={steps}
            label="Step graph of the run"
            selected={selected}
            onSelect={setSelected}
          />
          <p className="muted">Select a step to see its attempts.</p>
          {step && <StepPanel runId={id} step={step} />}
          <h2>Input and output</h2>
          <div className="two">
            <Json value={detail.input} label="Run input" />
            <Json value={detail.output ?? detail.error} label="Run output or error" />
          </div>
          <h2>History</h2>
          <ProblemView error={events.error} />
          <TableBox label="Run history">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Step</th>
                </tr>
              </thead>
              <tbody>
                {(events.data?.data.events ?? []).map((event) => (
                  <tr key={event.id}>
                    <td>
                      <Time value={event.occurredAt} />
                    </td>
                    <td>{event.type}</td>
                    <td>{stepOf(event)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          {(cursors.length > 0 || events.data?.meta.nextCursor) && (
            <Pager cursors={cursors} next={events.data?.meta.nextCursor} onChange={setCursors} />
          )}
        </>
      )}
    </>
  );
}

const MODE_TEXT = {
  connecting: 'connecting to the live stream…',
  live: 'live',
  polling: 'polling every 2 s (the live stream is unavailable)',
  ended: 'finished: no further updates',
};

function stepOf(event: WorkflowEvent): string {
  const data = event.data as { stepKey?: unknown };
  return typeof data.stepKey === 'string' ? data.stepKey : '';
}

function RunActions({ run }: { run: RunDetail }) {
  const can = useCan();
  const path = `/workflows/${encodeURIComponent(run.id)}`;
  const cancel = useAction((api) => api.post(`${path}/cancel`), [path]);
  const retry = useAction((api) => api.post(`${path}/retry`), [path]);
  const signal = useAction(
    (api, name: string, payload: string) =>
      api.post(`${path}/signals`, { name, payload: parseJson(payload) }),
    [path],
  );
  const [name, setName] = useState('');
  const [payload, setPayload] = useState('');
  if (!can('workflows:write')) {
    return <p className="muted">Your key may read this run but not act on it.</p>;
  }
  const finished = FINISHED.has(run.status);
  const send = (event: FormEvent) => {
    event.preventDefault();
    void signal.run(name, payload);
  };
  return (
    <section className="actions" aria-label="Run actions">
      {!finished && (
        <button type="button" onClick={() => void cancel.run()} disabled={cancel.pending}>
          Cancel run
        </button>
      )}
      {run.status === 'failed' && (
        <button type="button" onClick={() => void retry.run()} disabled={retry.pending}>
          Retry failed steps
        </button>
      )}
      {!finished && (
        <form className="inline" onSubmit={send} aria-label="Send a signal">
          <label>
            Signal name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Payload (JSON)
            <input value={payload} onChange={(e) => setPayload(e.target.value)} className="code" />
          </label>
          <button type="submit" disabled={signal.pending}>
            Send signal
          </button>
        </form>
      )}
      {signal.result !== undefined && !signal.error && <p role="status">Signal sent.</p>}
      <ProblemView error={cancel.error ?? retry.error ?? signal.error} />
    </section>
  );
}

function StepPanel({ runId, step }: { runId: string; step: RunStep }) {
  const can = useCan();
  const taskId = step.task?.id;
  const taskPath = taskId ? `/tasks/${encodeURIComponent(taskId)}` : null;
  const task = useQuery(taskPath, (api) => api.get<Envelope<TaskDetail>>(taskPath ?? ''));
  const runPath = `/workflows/${encodeURIComponent(runId)}`;
  const stepPath = `${runPath}/steps/${encodeURIComponent(step.key)}`;
  const approve = useAction(
    (api, comment: string) => api.post(`${stepPath}/approve`, { comment: comment || undefined }),
    [runPath],
  );
  const reject = useAction(
    (api, comment: string) => api.post(`${stepPath}/reject`, { comment: comment || 'rejected' }),
    [runPath],
  );
  const [comment, setComment] = useState('');
  const waitingApproval = step.kind === 'approval' && step.status === 'waiting';
  const attempts = task.data?.data.attempts ?? [];
  return (
    <section className="card" aria-label={`Step ${step.key}`}>
      <h2>
        Step {step.key} <Status value={step.status} />
      </h2>
      <p>
        {step.kind ?? 'task'}
        {step.skill ? ` · skill ${step.skill}` : ''} · up to {step.maxAttempts} attempts
      </p>
      {waitingApproval && can('workflows:approve') && (
        <form
          className="inline"
          onSubmit={(event) => event.preventDefault()}
          aria-label="Decide the approval"
        >
          <label>
            Comment
            <input value={comment} onChange={(e) => setComment(e.target.value)} />
          </label>
          <button
            type="button"
            onClick={() => void approve.run(comment)}
            disabled={approve.pending}
          >
            Approve
          </button>
          <button type="button" onClick={() => void reject.run(comment)} disabled={reject.pending}>
            Reject
          </button>
        </form>
      )}
      {waitingApproval && !can('workflows:approve') && (
        <p className="muted">Deciding this approval needs the scope workflows:approve.</p>
      )}
      <ProblemView error={approve.error ?? reject.error ?? task.error} />
      {step.task && (
        <div className="two">
          <div>
            <h3>Input</h3>
            <Json value={step.task.input} label={`Input of ${step.key}`} />
          </div>
          <div>
            <h3>Output</h3>
            <Json value={step.task.output ?? step.task.error} label={`Output of ${step.key}`} />
          </div>
        </div>
      )}
      {step.fanOut && <Elements stepKey={step.key} fanOut={step.fanOut} />}
      {attempts.length > 0 && (
        <TableBox label={`Attempts of ${step.key}`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Status</th>
                <th scope="col">Agent</th>
                <th scope="col">Claimed</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((attempt) => (
                <tr key={attempt.attempt}>
                  <td>{attempt.attempt}</td>
                  <td>
                    <Status value={attempt.status} />
                  </td>
                  <td>{attempt.agentId ?? '—'}</td>
                  <td>
                    <Time value={attempt.claimedAt} />
                  </td>
                  <td>{attempt.durationMs != null ? `${attempt.durationMs} ms` : '—'}</td>
                  <td>{attempt.error?.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </section>
  );
}

/** A fan-out step's elements: how they stand, and the element tasks the run view carries. */
function Elements({
  stepKey,
  fanOut,
}: {
  stepKey: string;
  fanOut: NonNullable<RunStep['fanOut']>;
}) {
  const counts = (['succeeded', 'failed', 'running', 'queued', 'cancelled'] as const)
    .map((status) => `${fanOut[status]} ${status}`)
    .join(', ');
  return (
    <>
      <h3>Elements</h3>
      <p>
        {fanOut.elements === null
          ? `${fanOut.forEach} did not resolve to an array.`
          : `${fanOut.elements} ${fanOut.elements === 1 ? 'element' : 'elements'}: ${counts}.`}
        {fanOut.tasks.length < (fanOut.elements ?? 0) &&
          ` Showing ${fanOut.tasks.length}: failed first, then running, queued, cancelled, succeeded.`}
      </p>
      {fanOut.tasks.length > 0 && (
        <TableBox label={`Elements of ${stepKey}`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Element</th>
                <th scope="col">Status</th>
                <th scope="col">Attempt</th>
                <th scope="col">Agent</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {fanOut.tasks.map((task) => (
                <tr key={task.id}>
                  <td>{task.index}</td>
                  <td>
                    <Status value={task.status} />
                  </td>
                  <td>
                    {task.attempt} of {task.maxAttempts}
                  </td>
                  <td>{task.agentId ?? '—'}</td>
                  <td className="excerpt">
                    {(task.error as { message?: string } | null)?.message ?? ''}
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
