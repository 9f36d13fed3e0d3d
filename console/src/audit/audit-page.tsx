import { useState } from 'react';
import { useAction, useQuery } from '../api/hooks';
import { withQuery } from '../api/client';
import type { AuditEntry, Checkpoint, Envelope, Page, VerifyResult } from '../api/types';
import { useCan } from '../auth/session';
import { Loading, Pager, ProblemView, TableBox, Time } from '../components/ui';

export function AuditPage() {
  const can = useCan();
  if (!can('audit:read')) {
    return (
      <>
        <h1>Audit</h1>
        <p>Reading the audit trail needs the scope audit:read, which this key does not have.</p>
      </>
    );
  }
  return (
    <>
      <h1>Audit</h1>
      <Verify />
      <Entries />
      <Checkpoints />
    </>
  );
}

function Verify() {
  const verify = useAction((api) => api.get<Envelope<VerifyResult>>('/audit/verify'));
  const result = verify.result?.data;
  return (
    <section className="card" aria-label="Verify the chain">
      <h2>Chain</h2>
      <button type="button" onClick={() => void verify.run()} disabled={verify.pending}>
        Verify chain
      </button>
      <ProblemView error={verify.error} />
      {result && (
        <p role="status" className={result.valid ? 'ok' : 'bad'}>
          {result.valid
            ? `Chain intact: ${result.checked} entries checked, head ${result.head?.seq ?? '—'}.`
            : `Chain broken at entry ${result.firstInvalidSeq ?? '?'}: ${String(result.reason ?? '')}`}
        </p>
      )}
    </section>
  );
}

function Entries() {
  const [filters, setFilters] = useState({
    resourceType: '',
    resourceId: '',
    actorId: '',
    action: '',
  });
  const [cursors, setCursors] = useState<string[]>([]);
  const query = { ...filters, limit: 50, cursor: cursors.at(-1) };
  const entries = useQuery(withQuery('/audit', query), (api) =>
    api.get<Page<'entries', AuditEntry>>('/audit', query),
  );
  const field = (name: keyof typeof filters, label: string) => (
    <label>
      {label}
      <input
        value={filters[name]}
        onChange={(e) => {
          setFilters({ ...filters, [name]: e.target.value });
          setCursors([]);
        }}
      />
    </label>
  );
  return (
    <section aria-label="Audit entries">
      <h2>Entries</h2>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        {field('action', 'Action')}
        {field('resourceType', 'Resource type')}
        {field('resourceId', 'Resource id')}
        {field('actorId', 'Actor id')}
      </form>
      <ProblemView error={entries.error} />
      <Loading when={entries.loading && !entries.data} />
      <TableBox label="Audit entries">
        <table>
          <thead>
            <tr>
              <th scope="col">Seq</th>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Correlation id</th>
            </tr>
          </thead>
          <tbody>
            {(entries.data?.data.entries ?? []).map((entry) => (
              <tr key={entry.id}>
                <td>{entry.seq ?? 'unsealed'}</td>
                <td>
                  <Time value={entry.occurredAt} />
                </td>
                <td>
                  {entry.actor.type} {entry.actor.id}
                </td>
                <td>{entry.action}</td>
                <td>
                  {entry.resource.type} {entry.resource.id}
                </td>
                <td>
                  <code>{entry.correlationId ?? ''}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      <Pager cursors={cursors} next={entries.data?.meta.nextCursor} onChange={setCursors} />
    </section>
  );
}

function Checkpoints() {
  const checkpoints = useQuery('/audit/checkpoints', (api) =>
    api.get<Page<'checkpoints', Checkpoint>>('/audit/checkpoints', { limit: 20 }),
  );
  return (
    <section aria-label="Checkpoints">
      <h2>Signed checkpoints</h2>
      <ProblemView error={checkpoints.error} />
      <TableBox label="Checkpoints">
        <table>
          <thead>
            <tr>
              <th scope="col">Seq</th>
              <th scope="col">Signed</th>
              <th scope="col">Key</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {(checkpoints.data?.data.checkpoints ?? []).map((checkpoint) => (
              <tr key={`${checkpoint.seq}-${checkpoint.signedAt}`}>
                <td>{checkpoint.seq}</td>
                <td>
                  <Time value={checkpoint.signedAt} />
                </td>
                <td>{checkpoint.keyId}</td>
                <td>
                  <code>{checkpoint.hash.slice(0, 16)}…</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </section>
  );
}
