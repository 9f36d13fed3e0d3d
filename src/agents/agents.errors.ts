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
  SkillNotFound = 'skill_not_found',
}

export class AgentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(AgentErrorCode.NotFound, `Agent "${id}" was not found.`);
  }
}

/** A skill the agent neither has nor is (or was deferred from being) quarantined from. */
export class AgentSkillNotFoundError extends NotFoundError {
  constructor(agentId: string, skill: string) {
    super(AgentErrorCode.SkillNotFound, `Agent "${agentId}" has no skill "${skill}".`);
  }
}
