import { BadRequestError } from '../common/errors/domain-error';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../common/errors/validation';
import { AgentErrorCode } from './agents.errors';
import { AgentDto } from './dto/agent.dto';
import { RegisterAgentDto } from './dto/register-agent.dto';
import { slugify } from './agents.service';
import { downgradeCard, upgradeCard } from './agent-card-versions';

/** Where an imported card's fields that AgentMesh does not model are kept, unchanged. */
export const CARD_LABEL = 'a2a.card';

export const CARD_VERSIONS = ['1.0', '0.3'] as const;
export type CardVersion = (typeof CARD_VERSIONS)[number];

const MAPPED_V03 = new Set(['name', 'description', 'version', 'url', 'skills']);
const MAPPED_V1 = new Set(['name', 'description', 'version', 'skills']);
const DEFAULT_MODES = ['text/plain', 'application/json'];
/** The bindings an AgentMesh agent endpoint is taken from first, in a 1.0 card's interfaces. */
const ENDPOINT_BINDINGS = new Set(['JSONRPC', 'HTTP+JSON']);

/** A 1.0 card lists `supportedInterfaces`; a 0.3 card has `url` and `protocolVersion` at the top. */
export function cardVersionOf(card: Record<string, unknown>): CardVersion {
  return 'supportedInterfaces' in card ? '1.0' : '0.3';
}

/** The interface whose URL is the agent's endpoint: the first JSON-RPC or HTTP+JSON, else the first. */
function endpointInterface(interfaces: unknown): number {
  const entries = Array.isArray(interfaces) ? interfaces : [];
  const valid = (entry: unknown): entry is { url: string; protocolBinding?: unknown } =>
    typeof entry === 'object' &&
    entry !== null &&
    typeof (entry as { url?: unknown }).url === 'string';
  if (entries.length === 0 || !entries.every(valid)) {
    throw new BadRequestError(AgentErrorCode.InvalidSkill, 'The AgentCard is not valid.', [
      {
        field: 'card.supportedInterfaces',
        message:
          'supportedInterfaces must be a non-empty array of {url, protocolBinding, protocolVersion}',
      },
    ]);
  }
  const preferred = entries.findIndex((entry) =>
    ENDPOINT_BINDINGS.has(String((entry as { protocolBinding?: unknown }).protocolBinding)),
  );
  return preferred === -1 ? 0 : preferred;
}

/**
 * Maps an A2A AgentCard (0.3 or 1.0) to a registration; the fields AgentMesh does not model
 * (capabilities, security, signatures, provider, every interface of a 1.0 card…) survive
 * unchanged in labels[CARD_LABEL], so the card renders back as it came.
 */
export function registrationFromCard(card: Record<string, unknown>, id?: string): RegisterAgentDto {
  const version = cardVersionOf(card);
  // Without it the agent had no endpoint, and its card then named this service's URL for the
  // agent as a JSON-RPC interface, which does not exist.
  if (version === '0.3' && typeof card.url !== 'string') {
    throw new BadRequestError(AgentErrorCode.InvalidSkill, 'The AgentCard is not valid.', [
      {
        field: 'card.url',
        message: 'an AgentCard names its endpoint: url (A2A 0.3) or supportedInterfaces (A2A 1.0)',
      },
    ]);
  }
  const mapped = version === '1.0' ? MAPPED_V1 : MAPPED_V03;
  const endpoint =
    version === '1.0'
      ? (card.supportedInterfaces as Array<{ url: string }>)[
          endpointInterface(card.supportedInterfaces)
        ].url
      : card.url;
  const rest = Object.fromEntries(Object.entries(card).filter(([key]) => !mapped.has(key)));
  const skillExtras: Record<string, unknown> = {};
  const plain = {
    id: id ?? (typeof card.name === 'string' ? slugify(card.name) : undefined),
    name: card.name,
    description: card.description,
    version: card.version,
    endpoint,
    // Anything but a list is given as it is, for the registration's check to name it.
    skills: !Array.isArray(card.skills)
      ? card.skills
      : (card.skills as Array<Record<string, unknown>>).map((skill) => {
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
      field: `card.${error.field.replace(/^endpoint/, version === '1.0' ? 'supportedInterfaces' : 'url')}`,
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
 * Renders an agent as an A2A AgentCard of the version asked for (1.0 unless told). `baseUrl` is
 * the service's configured public URL: an agent without an endpoint is reached through it, and
 * a request's Host header is the caller's. A card imported in one version renders in the other
 * through the field mapping of agent-card-versions.ts.
 */
export function cardFromAgent(
  agent: AgentDto,
  baseUrl: string,
  version: CardVersion = '1.0',
): Record<string, unknown> {
  const extra = cardLabel(agent);
  const native: CardVersion = Object.keys(extra).length === 0 ? '1.0' : cardVersionOf(extra);
  const card = native === '1.0' ? cardV1(agent, baseUrl) : cardV03(agent, baseUrl);
  if (native === version) return card;
  return version === '1.0' ? upgradeCard(card) : downgradeCard(card);
}

/** The kept card fields; labels are writable, so anything but an object counts as none. */
function cardLabel(agent: AgentDto): Record<string, unknown> {
  const label = agent.labels[CARD_LABEL];
  return typeof label === 'object' && label !== null && !Array.isArray(label)
    ? (label as Record<string, unknown>)
    : {};
}

function cardParts(agent: AgentDto) {
  const extra = cardLabel(agent) as Record<string, unknown> & {
    skills?: Record<string, Record<string, unknown>>;
  };
  const { skills: skillExtras, ...cardExtra } = extra;
  const skills = agent.skills.map((skill) => ({
    ...(skillExtras?.[skill.id] ?? {}),
    id: skill.id,
    name: skill.name,
    description: skill.description ?? skill.name,
    tags: skill.tags,
    ...(skill.examples.length > 0 ? { examples: skill.examples } : {}),
  }));
  return { cardExtra, skills };
}

function cardV03(agent: AgentDto, baseUrl: string): Record<string, unknown> {
  const { cardExtra, skills } = cardParts(agent);
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
    skills,
  };
}

function cardV1(agent: AgentDto, baseUrl: string): Record<string, unknown> {
  const { cardExtra, skills } = cardParts(agent);
  const url = agent.endpoint ?? `${baseUrl}/api/v1/agents/${agent.id}`;
  const imported = Array.isArray(cardExtra.supportedInterfaces)
    ? (cardExtra.supportedInterfaces as Array<Record<string, unknown>>)
    : [];
  // The endpoint may have changed since the import: the interface it came from follows it.
  const interfaces =
    imported.length > 0
      ? imported.map((entry, index) =>
          index === endpointInterface(imported) ? { ...entry, url } : entry,
        )
      : [{ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }];
  return {
    capabilities: {},
    defaultInputModes: DEFAULT_MODES,
    defaultOutputModes: DEFAULT_MODES,
    ...cardExtra,
    name: agent.name,
    description: agent.description ?? agent.name,
    version: agent.version ?? '0.0.0',
    supportedInterfaces: interfaces,
    skills,
  };
}
