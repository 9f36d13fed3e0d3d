import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WorkflowDefinition } from '../workflows/entities/workflow-definition.entity';
import { stepKind } from '../workflows/dag';

/** The path of the A2A HTTP+JSON binding, under PUBLIC_URL. */
export const A2A_BASE_PATH = 'a2a/v1';

/** The service's own version (package.json), found from here in src/ as in dist/src/. */
export const SERVICE_VERSION = ((): string => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'agentmesh' && pkg.version) return pkg.version;
  }
  return '0.0.0';
})();

/** One skill per workflow definition: its key, name, and the agent skills its steps use. */
function skillOf(definition: WorkflowDefinition): Record<string, unknown> {
  const skills = [...new Set(definition.steps.flatMap((step) => (step.skill ? [step.skill] : [])))];
  const kinds = [...new Set(definition.steps.map((step) => stepKind(step)))];
  return {
    id: definition.key,
    name: definition.name ?? definition.key,
    description:
      `Runs workflow "${definition.key}" (version ${definition.version}, ` +
      `${definition.steps.length} step${definition.steps.length === 1 ? '' : 's'}` +
      `${skills.length > 0 ? `: ${skills.join(', ')}` : ''}). Input: a data part holding the run input.`,
    tags: ['workflow', ...kinds.filter((kind) => kind !== 'task'), ...skills],
    inputModes: ['application/json', 'text/plain'],
    outputModes: ['application/json'],
  };
}

/**
 * The tenant as one A2A 1.0 agent: its workflow definitions are the skills, started and
 * followed as tasks through the HTTP+JSON binding at PUBLIC_URL/a2a/v1 with an API key.
 */
export function serviceCard(
  tenant: { id: string; name: string },
  definitions: WorkflowDefinition[],
  publicUrl: string,
): Record<string, unknown> {
  return {
    name: tenant.name,
    description:
      `AgentMesh workflows of tenant "${tenant.id}": each skill is a workflow definition; ` +
      'message:send starts a run as a task (skill id in message.metadata.skillId).',
    supportedInterfaces: [
      {
        url: `${publicUrl}/${A2A_BASE_PATH}`,
        protocolBinding: 'HTTP+JSON',
        protocolVersion: '1.0',
      },
    ],
    provider: { organization: 'AgentMesh', url: publicUrl },
    version: SERVICE_VERSION,
    documentationUrl: `${publicUrl}/docs`,
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: false },
    securitySchemes: {
      bearer: {
        httpAuthSecurityScheme: {
          description: 'An AgentMesh API key as "Authorization: Bearer <key>"',
          scheme: 'Bearer',
        },
      },
      apiKey: {
        apiKeySecurityScheme: {
          description: 'An AgentMesh API key in the X-API-Key header',
          location: 'header',
          name: 'X-API-Key',
        },
      },
    },
    securityRequirements: [
      { schemes: { bearer: { list: [] } } },
      { schemes: { apiKey: { list: [] } } },
    ],
    defaultInputModes: ['application/json', 'text/plain'],
    defaultOutputModes: ['application/json'],
    skills: definitions.map(skillOf),
  };
}
