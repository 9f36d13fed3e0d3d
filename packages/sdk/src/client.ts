import { Transport, type TransportOptions } from './http';
import { AgentsResource } from './resources/agents';
import { ApiKeysResource, AuditResource, TenantsResource } from './resources/admin';
import { RateLimitsResource } from './resources/rate-limits';
import { RoutingResource, SkillsResource } from './resources/routing';
import { SchedulesResource } from './resources/schedules';
import { TasksResource } from './resources/tasks';
import { UsageResource } from './resources/usage';
import { WebhooksResource } from './resources/webhooks';
import { DefinitionsResource, EventsResource, WorkflowsResource } from './resources/workflows';

export type ClientOptions = TransportOptions;

/**
 * The AgentMesh API, typed from the service's OpenAPI document. Methods resolve to the `data`
 * of the answer (lists to `{items, nextCursor}`) and reject with `AgentMeshError` for a
 * problem+json answer or `AgentMeshConnectionError` when the service cannot be reached.
 */
export class AgentMeshClient {
  readonly agents: AgentsResource;
  readonly definitions: DefinitionsResource;
  readonly workflows: WorkflowsResource;
  readonly tasks: TasksResource;
  readonly events: EventsResource;
  readonly schedules: SchedulesResource;
  readonly rateLimits: RateLimitsResource;
  readonly usage: UsageResource;
  readonly routing: RoutingResource;
  readonly skills: SkillsResource;
  readonly webhooks: WebhooksResource;
  readonly audit: AuditResource;
  readonly apiKeys: ApiKeysResource;
  readonly tenants: TenantsResource;
  /** The HTTP layer: for routes newer than this SDK. */
  readonly http: Transport;

  constructor(options: ClientOptions) {
    this.http = new Transport(options);
    this.agents = new AgentsResource(this.http);
    this.definitions = new DefinitionsResource(this.http);
    this.workflows = new WorkflowsResource(this.http);
    this.tasks = new TasksResource(this.http);
    this.events = new EventsResource(this.http);
    this.schedules = new SchedulesResource(this.http);
    this.rateLimits = new RateLimitsResource(this.http);
    this.usage = new UsageResource(this.http);
    this.routing = new RoutingResource(this.http);
    this.skills = new SkillsResource(this.http);
    this.webhooks = new WebhooksResource(this.http);
    this.audit = new AuditResource(this.http);
    this.apiKeys = new ApiKeysResource(this.http);
    this.tenants = new TenantsResource(this.http);
  }
}
