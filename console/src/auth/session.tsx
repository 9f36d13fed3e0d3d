import { createContext, useContext } from 'react';
import { Api, type Credentials } from '../api/client';
import { QueryCache } from '../api/query-cache';
import type { WhoAmI } from '../api/types';

/** sessionStorage only: the key lives as long as the tab, never in localStorage or a URL. */
const STORAGE_KEY = 'agentmesh.console.session';

export interface Session {
  credentials: Credentials;
  whoami: WhoAmI;
  api: Api;
  cache: QueryCache;
}

export function loadCredentials(): Credentials | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Credentials;
    return typeof parsed.key === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(credentials: Credentials | undefined): void {
  if (credentials) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** Asks the service who the key is; throws ApiError (401 for a bad key). */
export async function openSession(credentials: Credentials): Promise<Session> {
  const api = new Api(credentials);
  const { data } = await api.get<{ data: WhoAmI }>('/whoami');
  return { credentials, whoami: data, api, cache: new QueryCache() };
}

/** Whether the key may do what needs `scope` ("*" may do everything). */
export function hasScope(whoami: WhoAmI, scope: string): boolean {
  return whoami.scopes.includes('*') || whoami.scopes.includes(scope);
}

export interface SessionContextValue {
  session: Session;
  signOut(): void;
  switchTenant(tenantId: string): void;
}

export const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside of a signed-in console');
  return value;
}

export function useCan(): (scope: string) => boolean {
  const { session } = useSession();
  return (scope) => hasScope(session.whoami, scope);
}
