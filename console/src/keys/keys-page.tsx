import { useRef, useState, type FormEvent } from 'react';
import { useAction, useQuery } from '../api/hooks';
import type { ApiKey, Envelope, IssuedApiKey, Page } from '../api/types';
import { hasScope, useCan, useSession } from '../auth/session';
import { copyText } from '../components/clipboard';
import { Pager, ProblemView, TableBox, Time } from '../components/ui';

const SCOPES = [
  'agents:read',
  'agents:write',
  'workflows:read',
  'workflows:write',
  'workflows:approve',
  'tasks:work',
  'webhooks:admin',
  'audit:read',
  'keys:admin',
];

export function KeysPage() {
  const can = useCan();
  const { session } = useSession();
  const [cursors, setCursors] = useState<string[]>([]);
  const [secret, setSecret] = useState<IssuedApiKey>();
  const query = { limit: 50, cursor: cursors.at(-1) };
  const keys = useQuery(
    can('keys:admin') ? `/api-keys?cursor=${query.cursor ?? ''}` : null,
    (api) => api.get<Page<'apiKeys', ApiKey>>('/api-keys', query),
  );
  const rotate = useAction(
    (api, id: string) =>
      api.post<Envelope<IssuedApiKey>>(`/api-keys/${encodeURIComponent(id)}/rotate`, {}),
    ['/api-keys'],
  );
  const revoke = useAction(
    (api, id: string) => api.delete(`/api-keys/${encodeURIComponent(id)}`),
    ['/api-keys'],
  );
  if (!can('keys:admin')) {
    return (
      <>
        <h1>Keys</h1>
        <p>Managing keys needs the scope keys:admin, which this key does not have.</p>
      </>
    );
  }
  return (
    <>
      <h1>Keys</h1>
      <CreateKey onIssued={setSecret} />
      {secret && <Secret issued={secret} onDone={() => setSecret(undefined)} />}
      <ProblemView error={keys.error ?? rotate.error ?? revoke.error} />
      <TableBox label="API keys">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Scopes</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(keys.data?.data.apiKeys ?? []).map((key) => {
              // Keys whose scopes exceed this key's own cannot be managed by it (the API says 403).
              const manageable = key.scopes.every((scope) => hasScope(session.whoami, scope));
              const active = !key.revokedAt;
              return (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}</code>
                  </td>
                  <td>{key.scopes.join(' ')}</td>
                  <td>
                    <Time value={key.expiresAt} />
                  </td>
                  <td>{key.revokedAt ? 'revoked' : key.rotatedTo ? 'rotated' : 'active'}</td>
                  <td className="row-actions">
                    {active && manageable && key.id !== session.whoami.keyId && (
                      <>
                        <button
                          type="button"
                          onClick={() =>
                            void rotate
                              .run(key.id)
                              .then((issued) => issued && setSecret(issued.data))
                          }
                        >
                          Rotate {key.name}
                        </button>
                        <button type="button" onClick={() => void revoke.run(key.id)}>
                          Revoke {key.name}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableBox>
      <Pager cursors={cursors} next={keys.data?.meta.nextCursor} onChange={setCursors} />
    </>
  );
}

function CreateKey({ onIssued }: { onIssued(issued: IssuedApiKey): void }) {
  const { session } = useSession();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const create = useAction(
    (api, body: { name: string; scopes: string[] }) =>
      api.post<Envelope<IssuedApiKey>>('/api-keys', body),
    ['/api-keys'],
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const issued = await create.run({ name, scopes });
    if (issued) {
      onIssued(issued.data);
      setName('');
      setScopes([]);
    }
  };
  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-label="Create a key">
      <h2>Create a key</h2>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.filter((scope) => hasScope(session.whoami, scope)).map((scope) => (
          <label key={scope} className="check">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
              }
            />
            {scope}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={create.pending || scopes.length === 0}>
        Create key
      </button>
      <ProblemView error={create.error} />
    </form>
  );
}

/** The secret is in this response only: shown once, with a copy button. */
function Secret({ issued, onDone }: { issued: IssuedApiKey; onDone(): void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean>();
  const copy = () => void copyText(issued.key, field.current).then(setCopied);
  return (
    <section className="card secret" aria-label="New key">
      <h2>Key {issued.name}</h2>
      <p>Copy it now: it is shown only once.</p>
      <label>
        Secret of the new key
        <input
          ref={field}
          className="secret-value"
          readOnly
          value={issued.key}
          onFocus={(e) => e.target.select()}
        />
      </label>
      <div className="row-actions">
        <button type="button" onClick={copy}>
          Copy key
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      {copied === true && <p role="status">Copied.</p>}
      {copied === false && (
        <p role="status">The browser did not copy it: the key is selected, copy it by hand.</p>
      )}
    </section>
  );
}
