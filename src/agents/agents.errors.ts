import { DomainError } from '../common/errors/domain-error';

export enum AgentErrorCode {
  NotFound = 'agent_not_found',
  Exists = 'agent_exists',
  DuplicateSkill = 'duplicate_skill',
  InvalidSkill = 'invalid_skill',
  EtagMismatch = 'etag_mismatch',
  NotThisAgent = 'not_this_agent',
}

export class AgentNotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(id: string) {
    super(AgentErrorCode.NotFound, `Agent "${id}" was not found.`);
  }
}

export class AgentConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

export class AgentBadRequestError extends DomainError {
  readonly kind = 'bad_request' as const;
}

export class AgentPreconditionError extends DomainError {
  readonly kind = 'precondition_failed' as const;
}

export class AgentForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}
