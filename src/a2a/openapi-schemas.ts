import type { SchemaObject } from '@nestjs/swagger';
import { TASK_STATES } from './a2a-task';

/**
 * What the A2A routes answer, for the OpenAPI document (lf.a2a.v1 objects as ProtoJSON writes
 * them; the A2A specification is their full reference). Not classes: the answers are built as
 * the protocol spells them (a2a-task.ts, service-card.ts), not from DTOs.
 */
const OPEN_OBJECT: SchemaObject = { type: 'object', additionalProperties: true };

const PART: SchemaObject = {
  type: 'object',
  description: 'One of text, data (any JSON), with an optional mediaType',
  properties: { text: { type: 'string' }, data: {}, mediaType: { type: 'string' } },
};

export const A2A_TASK_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'An A2A Task: a run of the workflow definition its message named',
  required: ['id', 'contextId', 'status', 'metadata'],
  properties: {
    id: { type: 'string', description: 'The run id' },
    contextId: { type: 'string' },
    status: {
      type: 'object',
      required: ['state', 'timestamp'],
      properties: {
        state: { type: 'string', enum: [...TASK_STATES] },
        timestamp: { type: 'string', format: 'date-time' },
        message: {
          type: 'object',
          required: ['messageId', 'role', 'parts'],
          properties: {
            messageId: { type: 'string' },
            contextId: { type: 'string', description: "The task's contextId" },
            taskId: { type: 'string', description: "The task's id" },
            role: { type: 'string', enum: ['ROLE_USER', 'ROLE_AGENT'] },
            parts: { type: 'array', items: PART },
          },
        },
      },
    },
    artifacts: {
      type: 'array',
      description: 'The run output, once completed (ListTasks: with includeArtifacts=true)',
      items: {
        type: 'object',
        properties: {
          artifactId: { type: 'string' },
          name: { type: 'string' },
          parts: { type: 'array', items: PART },
        },
      },
    },
    metadata: OPEN_OBJECT,
  },
};

export const A2A_TASK_LIST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['tasks', 'nextPageToken', 'pageSize', 'totalSize'],
  properties: {
    tasks: { type: 'array', items: A2A_TASK_SCHEMA },
    nextPageToken: { type: 'string', description: 'Empty on the last page' },
    pageSize: { type: 'integer' },
    totalSize: { type: 'integer' },
  },
};

export const A2A_PUSH_CONFIG_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'A TaskPushNotificationConfig: its authentication scheme, never its credentials',
  required: ['id', 'taskId', 'url'],
  properties: {
    id: { type: 'string' },
    taskId: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    authentication: { type: 'object', properties: { scheme: { type: 'string' } } },
  },
};

export const A2A_PUSH_CONFIG_LIST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['configs', 'nextPageToken'],
  properties: {
    configs: { type: 'array', items: A2A_PUSH_CONFIG_SCHEMA },
    nextPageToken: { type: 'string', description: 'Empty on the last page' },
  },
};

export const AGENT_CARD_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'An A2A 1.0 AgentCard (name, description, version, supportedInterfaces, capabilities, ' +
    'defaultInputModes, defaultOutputModes, skills, securitySchemes, ...)',
  required: ['name', 'skills'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    version: { type: 'string' },
    skills: { type: 'array', items: OPEN_OBJECT },
  },
  additionalProperties: true,
};
