import { Injectable, PipeTransform } from '@nestjs/common';
import { AgentNotFoundError } from './agents.errors';
import { AGENT_ID_PATTERN } from './dto/register-agent.dto';

/** A path segment that cannot be an agent id names no agent: 404 without a query. */
@Injectable()
export class AgentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!AGENT_ID_PATTERN.test(value)) throw new AgentNotFoundError(value.slice(0, 80));
    return value;
  }
}
