import { AgentSkill } from '../agents/entities/agent-skill.entity';
import { Agent } from '../agents/entities/agent.entity';
import { ApiKey } from '../auth/entities/api-key.entity';
import { Tenant } from '../auth/entities/tenant.entity';

/** Every entity of every module; each module still owns (and alone queries) its tables. */
export const ENTITIES = [Tenant, ApiKey, Agent, AgentSkill];
