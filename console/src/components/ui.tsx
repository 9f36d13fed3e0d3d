import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';

/** A problem as people read it: title, detail, field errors, and the id to quote to support. */
export function ProblemView({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  const { problem } = error;
  return (
    <div className="problem" role="alert">
      <strong>{problem.title}</strong>
      <p>{problem.detail}</p>
      {problem.status === 403 && (
        <p>
          Your API key is not allowed to do this: it lacks the scope the operation needs, or the
          address you call from is not on the allowlist. Ask an administrator for a key with that
          scope.
        </p>
      )}
      {problem.errors && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((field) => (
            <li key={field.field}>
              <code>{field.field}</code>: {field.message}
            </li>
          ))}
        </ul>
      )}
      {problem.correlationId && (
        <p className="muted">
          Correlation id: <code>{problem.correlationId}</code>
        </p>
      )}
    </div>
  );
}

/** A wide table that scrolls sideways on a phone, reachable with the keyboard. */
export function TableBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-box" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function Status({ value }: { value: string }) {
  return <span className={`status status-${value}`}>{value.replace('_', ' ')}</span>;
}

export function Json({ value, label }: { value: unknown; label: string }) {
  if (value === undefined || value === null) return <span className="muted">none</span>;
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  return <time dateTime={value}>{date.toLocaleString()}</time>;
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p className="muted" role="status">
      Loading…
    </p>
  ) : null;
}

/** Keyset paging: the cursors seen so far make "Previous" possible. */
export function Pager({
  cursors,
  next,
  onChange,
}: {
  cursors: string[];
  next: string | null | undefined;
  onChange(cursors: string[]): void;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button
        type="button"
        disabled={cursors.length === 0}
        onClick={() => onChange(cursors.slice(0, -1))}
      >
        Previous page
      </button>
      <button type="button" disabled={!next} onClick={() => next && onChange([...cursors, next])}>
        Next page
      </button>
    </nav>
  );
}

/** A small horizontal bar chart in plain SVG, each bar labelled with SVG text. */
export function Bars({
  title,
  items,
}: {
  title: string;
  items: Array<{ label: string; value: number; tone?: string }>;
}) {
  const max = Math.max(1, ...items.map((item) => item.value));
  // What the bars say, for whoever cannot see them: "Runs: started 3, succeeded 2".
  const label = `${title}: ${items.map((item) => `${item.label} ${item.value}`).join(', ')}`;
  const row = 26;
  const height = Math.max(row, items.length * row);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 320 ${height}`} role="img" aria-label={label} width="100%">
        {items.map((item, i) => (
          <g key={item.label} transform={`translate(0 ${i * row})`}>
            <text x="0" y="17" className="chart-label">
              {item.label}
            </text>
            <rect
              x="120"
              y="5"
              height="16"
              width={Math.max(2, (item.value / max) * 160)}
              className={`bar bar-${item.tone ?? 'default'}`}
            />
            <text x={126 + (item.value / max) * 160} y="17" className="chart-value">
              {item.value}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

/** A page the key's scopes do not allow: said at once, without asking the API for a 403. */
export function NeedsScope({ title, what, scope }: { title: string; what: string; scope: string }) {
  return (
    <>
      <h1>{title}</h1>
      <p>
        {what} needs the scope {scope}, which this key does not have.
      </p>
    </>
  );
}
