import { BadRequestError } from '../common/errors/domain-error';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../common/errors/validation';
import { AgentErrorCode } from './agents.errors';
import { AgentDto } from './dto/agent.dto';
import { RegisterAgentDto } from './dto/register-agent.dto';
import { slugify } from './agents.service';

/** Where an imported card's fields that AgentMesh does not model are kept, unchanged. */
export const CARD_LABEL = 'a2a.card';

const MAPPED = new Set(['name', 'description', 'version', 'url', 'skills']);
const DEFAULT_MODES = ['text/plain', 'application/json'];

/** Maps an A2A AgentCard to a registration; unknown fields survive in labels[CARD_LABEL]. */
export function registrationFromCard(card: Record<string, unknown>, id?: string): RegisterAgentDto {
  const rest = Object.fromEntries(Object.entries(card).filter(([key]) => !MAPPED.has(key)));
  const skills = Array.isArray(card.skills) ? (card.skills as Array<Record<string, unknown>>) : [];
  const skillExtras: Record<string, unknown> = {};
  const plain = {
    id: id ?? (typeof card.name === 'string' ? slugify(card.name) : undefined),
    name: card.name,
    description: card.description,
    version: card.version,
    endpoint: card.url,
    skills: skills.map((skill) => {
      const { id: skillId, name, description, tags, examples, ...extra } = skill ?? {};
      const key =
        typeof skillId === 'string' ? skillId : typeof name === 'string' ? slugify(name) : '';
      if (Object.keys(extra).length > 0) skillExtras[key] = extra;
      return { id: skillId, name, description, tags, examples };
    }),
    labels: {
      [CARD_LABEL]: {
        ...rest,
        ...(Object.keys(skillExtras).length ? { skills: skillExtras } : {}),
      },
    },
  };
  const dto = plainToInstance(RegisterAgentDto, plain);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const fieldErrors = flattenValidationErrors(errors).map((error) => ({
      field: `card.${error.field.replace(/^endpoint/, 'url')}`,
      message: error.message,
    }));
    throw new BadRequestError(
      AgentErrorCode.InvalidSkill,
      'The AgentCard is not valid.',
      fieldErrors,
    );
  }
  return dto;
}

/**
 * Renders an agent as an A2A AgentCard. `baseUrl` is the service's configured public URL: an
 * agent without an endpoint is reached through it, and a request's Host header is the caller's.
 */
export function cardFromAgent(agent: AgentDto, baseUrl: string): Record<string, unknown> {
  const extra = (agent.labels[CARD_LABEL] ?? {}) as Record<string, unknown> & {
    skills?: Record<string, Record<string, unknown>>;
  };
  const { skills: skillExtras, ...cardExtra } = extra;
  return {
    protocolVersion: '0.3.0',
    capabilities: {},
    defaultInputModes: DEFAULT_MODES,
    defaultOutputModes: DEFAULT_MODES,
    ...cardExtra,
    name: agent.name,
    description: agent.description ?? agent.name,
    version: agent.version ?? '0.0.0',
    url: agent.endpoint ?? `${baseUrl}/api/v1/agents/${agent.id}`,
    skills: agent.skills.map((skill) => ({
      ...(skillExtras?.[skill.id] ?? {}),
      id: skill.id,
      name: skill.name,
      description: skill.description ?? skill.name,
      tags: skill.tags,
      ...(skill.examples.length > 0 ? { examples: skill.examples } : {}),
    })),
  };
}
