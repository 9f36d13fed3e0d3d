import { segment, type CallOptions, type Transport } from '../http';
import type {
  Agent,
  AgentRegistration,
  AgentSummary,
  AgentTask,
  Heartbeat,
  HeartbeatResult,
  ImportAgent,
  LeaderboardEntry,
  Page,
  QueryOf,
  RegisterAgent,
  ReleaseAgent,
  Released,
} from '../types';
import { listAll, listPage } from './list';

type Signal = Pick<CallOptions, 'signal'>;

/** The agent registry: register, upsert, discover, heartbeat. */
export class AgentsResource {
  constructor(private readonly http: Transport) {}

  /** Registers a new agent (409 if the id exists). */
  register(body: RegisterAgent, options: Signal = {}): Promise<Agent> {
    return this.http.data('POST', '/agents', { body, idempotencyKey: true, ...options });
  }

  /** Creates or updates the agent with this id: what an agent does on every boot. */
  upsert(id: string, body: AgentRegistration, options: Signal = {}): Promise<Agent> {
    return this.http.data('PUT', `/agents/${segment(id)}`, { body, ...options });
  }

  /** Registers an agent from an A2A AgentCard. */
  import(body: ImportAgent, options: Signal = {}): Promise<Agent> {
    return this.http.data('POST', '/agents/import', { body, idempotencyKey: true, ...options });
  }

  get(id: string, options: Signal = {}): Promise<Agent> {
    return this.http.data('GET', `/agents/${segment(id)}`, options);
  }

  /** Discovery: one page, filtered by skill, tag, status or text. */
  list(query: QueryOf<'AgentsController_list'> = {}, options: Signal = {}): Promise<Page<Agent>> {
    return listPage(this.http, '/agents', 'agents', query, options);
  }

  /** Every matching agent, page after page. */
  iterate(query: QueryOf<'AgentsController_list'> = {}): AsyncGenerator<Agent> {
    return listAll(this.http, '/agents', 'agents', query);
  }

  /**
   * Exact counts of the tenant's agents: by status, quarantined, and per skill (healthy,
   * unhealthy, quarantined; the `skills` most widely held, 50 unless asked).
   */
  summary(
    query: QueryOf<'AgentsController_summary'> = {},
    options: Signal = {},
  ): Promise<AgentSummary> {
    return this.http.data('GET', '/agents/summary', { query, ...options });
  }

  /** Removes the agent; its claimed tasks are released. */
  async deregister(id: string, options: Signal = {}): Promise<void> {
    await this.http.json('DELETE', `/agents/${segment(id)}`, options);
  }

  heartbeat(id: string, body: Heartbeat, options: Signal = {}): Promise<HeartbeatResult> {
    return this.http.data('POST', `/agents/${segment(id)}/heartbeat`, {
      body,
      retry: true,
      ...options,
    });
  }

  /** Ends the agent's quarantine for `skill`, or for all its skills; resolves to those released. */
  release(id: string, body: ReleaseAgent = {}, options: Signal = {}): Promise<Released> {
    return this.http.data('POST', `/agents/${segment(id)}/release`, {
      body,
      idempotencyKey: true,
      ...options,
    });
  }

  /** One page of the agent's recent tasks (held or last run by it), latest claim first. */
  tasks(
    id: string,
    query: QueryOf<'TasksController_ofAgent'> = {},
    options: Signal = {},
  ): Promise<Page<AgentTask>> {
    return listPage(this.http, `/agents/${segment(id)}/tasks`, 'tasks', query, options);
  }

  /** Every task of the agent, page after page. */
  iterateTasks(
    id: string,
    query: QueryOf<'TasksController_ofAgent'> = {},
  ): AsyncGenerator<AgentTask> {
    return listAll(this.http, `/agents/${segment(id)}/tasks`, 'tasks', query);
  }

  /** The agent as an A2A 1.0 AgentCard (the server's default since cards speak 1.0). */
  card(id: string, options: Signal = {}): Promise<Record<string, unknown>> {
    return this.http.json('GET', `/agents/${segment(id)}/card`, options);
  }

  leaderboard(
    query: QueryOf<'AgentsController_leaderboard'> = {},
    options: Signal = {},
  ): Promise<Page<LeaderboardEntry>> {
    return listPage(this.http, '/agents/leaderboard', 'leaderboard', query, options);
  }
}
