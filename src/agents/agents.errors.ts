import { NotFoundError } from '../common/errors/domain-error';

export enum AgentErrorCode {
  NotFound = 'agent_not_found',
  InvalidAgentId = 'invalid_agent_id',
  Exists = 'agent_exists',
  DuplicateSkill = 'duplicate_skill',
  InvalidSkill = 'invalid_skill',
  EtagMismatch = 'etag_mismatch',
  NotThisAgent = 'not_this_agent',
  InvalidRoutingSettings = 'invalid_routing_settings',
  OperatorOnly = 'operator_only',
}

export class AgentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(AgentErrorCode.NotFound, `Agent "${id}" was not found.`);
  }
}
