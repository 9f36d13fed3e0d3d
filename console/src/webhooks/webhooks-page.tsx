import { useState } from 'react';
import { useAction, useQuery } from '../api/hooks';
import { withQuery } from '../api/client';
import type {
  Delivery,
  DeliveryDetail,
  Endpoint,
  Envelope,
  InboundEvent,
  Page,
} from '../api/types';
import { useCan } from '../auth/session';
import { Json, Loading, Pager, ProblemView, Status, TableBox, Time } from '../components/ui';
import { defaultWindow, recoverBody, type RecoverBody } from './recover-window';

export function WebhooksPage() {
  const can = useCan();
  if (!can('webhooks:admin')) {
    return (
      <>
        <h1>Webhooks</h1>
        <p>Webhooks are managed with the scope webhooks:admin, which this key does not have.</p>
      </>
    );
  }
  return (
    <>
      <h1>Webhooks</h1>
      <Endpoints />
      <Deliveries />
      <Inbound />
    </>
  );
}

function Endpoints() {
  const endpoints = useQuery('/webhooks/endpoints', (api) =>
    api.get<Page<'endpoints', Endpoint>>('/webhooks/endpoints', { limit: 200 }),
  );
  const [span, setSpan] = useState(defaultWindow);
  const checked = recoverBody(span.from, span.until);
  const recover = useAction(
    (api, id: string, body: RecoverBody) =>
      api.post<Envelope<{ requeued: number }>>(
        `/webhooks/endpoints/${encodeURIComponent(id)}/recover`,
        body,
      ),
    ['/webhooks/'],
  );
  const requeued = recover.result?.data.requeued;
  return (
    <section aria-label="Endpoints">
      <h2>Endpoints</h2>
      <form
        className="filters"
        aria-label="Recover window"
        onSubmit={(event) => event.preventDefault()}
      >
        <label>
          Recover from
          <input
            type="datetime-local"
            value={span.from}
            required
            onChange={(e) => setSpan({ ...span, from: e.target.value })}
          />
        </label>
        <label>
          Recover until
          <input
            type="datetime-local"
            value={span.until}
            onChange={(e) => setSpan({ ...span, until: e.target.value })}
          />
        </label>
      </form>
      {'problem' in checked && (
        <p className="problem" role="alert">
          {checked.problem}
        </p>
      )}
      <ProblemView error={endpoints.error ?? recover.error} />
      {requeued !== undefined && (
        <p role="status">
          {requeued} {requeued === 1 ? 'delivery' : 'deliveries'} queued again.
        </p>
      )}
      <TableBox label="Endpoints">
        <table>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Enabled</th>
              <th scope="col">Breaker</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(endpoints.data?.data.endpoints ?? []).map((endpoint) => (
              <tr key={endpoint.id}>
                <td>{endpoint.url}</td>
                <td>{endpoint.eventTypes.join(', ')}</td>
                <td>{endpoint.enabled ? 'yes' : `no (${endpoint.disabledReason ?? 'manual'})`}</td>
                <td>
                  <Status value={endpoint.breaker.state} />
                  {endpoint.breaker.consecutiveFailures > 0 &&
                    ` · ${endpoint.breaker.consecutiveFailures} failures in a row`}
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => 'body' in checked && void recover.run(endpoint.id, checked.body)}
                    disabled={recover.pending || !('body' in checked)}
                  >
                    Recover
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </section>
  );
}

function Deliveries() {
  const [status, setStatus] = useState('');
  const [endpointId, setEndpointId] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [open, setOpen] = useState<string>();
  const query = { status, endpointId, limit: 25, cursor: cursors.at(-1) };
  const deliveries = useQuery(withQuery('/webhooks/deliveries', query), (api) =>
    api.get<Page<'deliveries', Delivery>>('/webhooks/deliveries', query),
  );
  // The same list the Endpoints section shows (one request for both).
  const endpoints = useQuery('/webhooks/endpoints', (api) =>
    api.get<Page<'endpoints', Endpoint>>('/webhooks/endpoints', { limit: 200 }),
  );
  const byId = new Map((endpoints.data?.data.endpoints ?? []).map((e) => [e.id, e]));
  const endpointName = (id: string) => {
    const endpoint = byId.get(id);
    return endpoint ? (endpoint.description ?? endpoint.url) : id;
  };
  return (
    <section aria-label="Deliveries">
      <h2>Deliveries</h2>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Delivery status
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setCursors([]);
            }}
          >
            <option value="">any</option>
            {['pending', 'succeeded', 'failed', 'dead'].map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <label>
          Endpoint
          <select
            value={endpointId}
            onChange={(e) => {
              setEndpointId(e.target.value);
              setCursors([]);
            }}
          >
            <option value="">any</option>
            {[...byId.values()].map((endpoint) => (
              <option key={endpoint.id} value={endpoint.id}>
                {endpoint.description ?? endpoint.url}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ProblemView error={deliveries.error} />
      <Loading when={deliveries.loading && !deliveries.data} />
      <TableBox label="Deliveries">
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Created</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {(deliveries.data?.data.deliveries ?? []).map((delivery) => (
              <tr key={delivery.id}>
                <td>{delivery.eventType}</td>
                <td className="excerpt">{endpointName(delivery.endpointId)}</td>
                <td>
                  <Status value={delivery.status} />
                </td>
                <td>{delivery.attemptCount}</td>
                <td>{delivery.lastStatusCode ?? delivery.lastError ?? '—'}</td>
                <td>
                  <Time value={delivery.createdAt} />
                </td>
                <td>
                  <button
                    type="button"
                    aria-expanded={open === delivery.id}
                    onClick={() => setOpen(open === delivery.id ? undefined : delivery.id)}
                  >
                    {open === delivery.id ? 'Hide' : 'Show'} delivery {delivery.eventType}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      <Pager cursors={cursors} next={deliveries.data?.meta.nextCursor} onChange={setCursors} />
      {open && <DeliveryPanel id={open} />}
    </section>
  );
}

function DeliveryPanel({ id }: { id: string }) {
  const path = `/webhooks/deliveries/${encodeURIComponent(id)}`;
  const delivery = useQuery(path, (api) => api.get<Envelope<DeliveryDetail>>(path));
  const retry = useAction((api) => api.post(`${path}/retry`), ['/webhooks/deliveries']);
  const data = delivery.data?.data;
  return (
    <section className="card" aria-label={`Delivery ${id}`}>
      <h3>Delivery {id}</h3>
      <ProblemView error={delivery.error ?? retry.error} />
      {data && (
        <>
          <p>
            <Status value={data.status} /> · {data.eventType} · {data.attemptCount} attempts
          </p>
          <button type="button" onClick={() => void retry.run()} disabled={retry.pending}>
            Retry delivery
          </button>
          {retry.result !== undefined && !retry.error && (
            <p role="status">Queued to be sent again.</p>
          )}
          <TableBox label="Attempts of the delivery">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Status code</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Response or error</th>
                </tr>
              </thead>
              <tbody>
                {data.attempts.map((attempt) => (
                  <tr key={attempt.attemptedAt}>
                    <td>
                      <Time value={attempt.attemptedAt} />
                    </td>
                    <td>{attempt.statusCode ?? '—'}</td>
                    <td>{attempt.durationMs} ms</td>
                    <td className="excerpt">
                      {attempt.error ?? (attempt.responseBody ?? '').slice(0, 300)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          <h4>Payload</h4>
          <Json value={data.payload} label="Delivery payload" />
        </>
      )}
    </section>
  );
}

function Inbound() {
  const inbound = useQuery('/webhooks/inbound', (api) =>
    api.get<Page<'events', InboundEvent>>('/webhooks/inbound', { limit: 50 }),
  );
  return (
    <section aria-label="Inbound deliveries">
      <h2>Inbound deliveries</h2>
      <ProblemView error={inbound.error} />
      <TableBox label="Inbound deliveries">
        <table>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Event</th>
              <th scope="col">Verification</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {(inbound.data?.data.events ?? []).map((event) => (
              <tr key={event.id}>
                <td>{event.source}</td>
                <td>{event.eventType ?? event.event}</td>
                <td>
                  <Status value={event.status} />
                  {event.reason ? ` · ${event.reason}` : ''}
                </td>
                <td>
                  <Time value={event.receivedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </section>
  );
}
