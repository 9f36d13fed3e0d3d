import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, type Credentials } from './api/client';
import { useQuery } from './api/hooks';
import type { Page, Tenant } from './api/types';
import {
  loadCredentials,
  openSession,
  saveCredentials,
  SessionContext,
  useSession,
  type Session,
} from './auth/session';
import { PageBoundary } from './components/page-boundary';
import { Link, match, Router, useRouter } from './components/router';
import { Loading, ProblemView } from './components/ui';
import { AuditPage } from './audit/audit-page';
import { DefinitionsPage } from './definitions/definitions-page';
import { AgentPage } from './fleet/agent-page';
import { FleetPage } from './fleet/fleet-page';
import { KeysPage } from './keys/keys-page';
import { OverviewPage } from './overview/overview-page';
import { RunPage } from './runs/run-page';
import { RunsPage } from './runs/runs-page';
import { WebhooksPage } from './webhooks/webhooks-page';

export const PAGES = [
  { path: '/', name: 'Overview' },
  { path: '/fleet', name: 'Fleet' },
  { path: '/runs', name: 'Runs' },
  { path: '/definitions', name: 'Definitions' },
  { path: '/webhooks', name: 'Webhooks' },
  { path: '/audit', name: 'Audit' },
  { path: '/keys', name: 'Keys' },
];

export function App() {
  return (
    <Router>
      <Console />
    </Router>
  );
}

function Console() {
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<ApiError>();
  const [restoring, setRestoring] = useState(() => loadCredentials() !== undefined);

  const signIn = async (credentials: Credentials) => {
    setError(undefined);
    try {
      const opened = await openSession(credentials);
      saveCredentials(credentials);
      setSession(opened);
    } catch (caught) {
      saveCredentials(undefined);
      setSession(undefined);
      if (caught instanceof ApiError) setError(caught);
      else throw caught;
    }
  };

  useEffect(() => {
    const stored = loadCredentials();
    if (stored) void signIn(stored).finally(() => setRestoring(false));
  }, []);

  if (restoring) return <Loading when />;
  if (!session) return <SignIn onSignIn={signIn} error={error} />;
  const value = {
    session,
    signOut: () => {
      saveCredentials(undefined);
      setSession(undefined);
    },
    switchTenant: (tenantId: string) => {
      const own = session.whoami.keyTenantId;
      void signIn({
        key: session.credentials.key,
        tenantId: tenantId === own ? undefined : tenantId,
      });
    },
  };
  return (
    <SessionContext.Provider value={value}>
      <Shell />
    </SessionContext.Provider>
  );
}

function SignIn({
  onSignIn,
  error,
}: {
  onSignIn: (credentials: Credentials) => Promise<void>;
  error?: ApiError;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    void onSignIn({ key: key.trim() }).finally(() => setBusy(false));
  };
  return (
    <main className="sign-in">
      <h1>AgentMesh console</h1>
      <form onSubmit={submit} className="card">
        <label>
          API key
          <input
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p className="muted">
          The key is kept in this tab only (sessionStorage) and sent as an Authorization header.
        </p>
      </form>
      <ProblemView error={error} />
    </main>
  );
}

function Shell() {
  const { path } = useRouter();
  const { session, signOut } = useSession();
  const section = '/' + (path.split('/')[1] ?? '');
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span className="brand">AgentMesh</span>
        <nav aria-label="Console">
          <ul>
            {PAGES.map((page) => (
              <li key={page.path}>
                <Link to={page.path} current={section === page.path}>
                  {page.name}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <TenantSwitch />
          <span className="scopes" title="Scopes of this key">
            Scopes: {session.whoami.scopes.join(' ')}
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={path}>
          <Page path={path} />
        </PageBoundary>
      </main>
    </div>
  );
}

function TenantSwitch() {
  const { session, switchTenant } = useSession();
  const admin = session.whoami.platformAdmin;
  const tenants = useQuery(admin ? '/tenants' : null, (api) =>
    api.get<Page<'tenants', Tenant>>('/tenants', { limit: 200 }),
  );
  if (!admin) return <span>Tenant {session.whoami.tenantId}</span>;
  return (
    <label>
      Tenant
      <select value={session.whoami.tenantId} onChange={(e) => switchTenant(e.target.value)}>
        {(tenants.data?.data.tenants ?? [{ id: session.whoami.tenantId, name: '' }]).map(
          (tenant) => (
            <option key={tenant.id} value={tenant.id}>
              {tenant.id}
            </option>
          ),
        )}
      </select>
    </label>
  );
}

function Page({ path }: { path: string }) {
  let params: Record<string, string> | undefined;
  if (path === '/' || path === '') return <OverviewPage />;
  if (path === '/fleet') return <FleetPage />;
  if ((params = match('/fleet/:id', path))) return <AgentPage id={params.id} />;
  if (path === '/runs') return <RunsPage />;
  if ((params = match('/runs/:id', path))) return <RunPage key={params.id} id={params.id} />;
  if (path === '/definitions') return <DefinitionsPage />;
  if (path === '/webhooks') return <WebhooksPage />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/keys') return <KeysPage />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        The console has no page at this address. <Link to="/">Back to the overview</Link>.
      </p>
    </>
  );
}
