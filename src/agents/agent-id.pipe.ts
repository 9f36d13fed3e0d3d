import { Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../common/errors/domain-error';
import { AgentErrorCode, AgentNotFoundError } from './agents.errors';
import { AGENT_ID_PATTERN, AGENT_ID_RULE } from './dto/register-agent.dto';

/** A path segment that cannot be an agent id names no agent: 404 without a query. */
@Injectable()
export class AgentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!AGENT_ID_PATTERN.test(value)) throw new AgentNotFoundError(value.slice(0, 80));
    return value;
  }
}

/**
 * The id of an agent PUT creates when it does not exist: one that cannot be an agent id is a
 * 400 naming the rule (a 404 would say the agent is missing, which PUT is there to fix).
 */
@Injectable()
export class NewAgentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!AGENT_ID_PATTERN.test(value)) {
      throw new BadRequestError(AgentErrorCode.InvalidAgentId, 'The agent id is not a slug.', [
        { field: 'id', message: AGENT_ID_RULE },
      ]);
    }
    return value;
  }
}
