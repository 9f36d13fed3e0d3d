/**
 * The A2A 1.0 AgentCard and Task structures as a JSON Schema subset, written from the
 * specification's protobuf (package lf.a2a.v1, specification/a2a.proto) in its ProtoJSON form:
 * lowerCamelCase field names, enums by name, google.protobuf.Struct/Value as any JSON, one-of
 * fields as exactly one key. REQUIRED field behaviours are `required`; unknown fields are
 * refused (`additionalProperties: false`), so a misspelt or 0.3-only field fails.
 */
export interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'boolean' | 'integer' | 'any';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: false | Schema;
  items?: Schema;
  enum?: readonly string[];
  minItems?: number;
  /** One-of groups: exactly one of these keys is present. */
  oneOf?: string[];
  format?: 'date-time';
}

const str: Schema = { type: 'string' };
const strings: Schema = { type: 'array', items: str };
const any: Schema = { type: 'any' };
const struct: Schema = { type: 'object', additionalProperties: any };
const scopes: Schema = { type: 'object', additionalProperties: str };

export const DEFINITIONS: Record<string, Schema> = {
  AgentCard: {
    type: 'object',
    required: [
      'name',
      'description',
      'supportedInterfaces',
      'version',
      'capabilities',
      'defaultInputModes',
      'defaultOutputModes',
      'skills',
    ],
    additionalProperties: false,
    properties: {
      name: str,
      description: str,
      supportedInterfaces: { type: 'array', minItems: 1, items: { $ref: 'AgentInterface' } },
      provider: { $ref: 'AgentProvider' },
      version: str,
      documentationUrl: str,
      capabilities: { $ref: 'AgentCapabilities' },
      securitySchemes: { type: 'object', additionalProperties: { $ref: 'SecurityScheme' } },
      securityRequirements: { type: 'array', items: { $ref: 'SecurityRequirement' } },
      defaultInputModes: strings,
      defaultOutputModes: strings,
      skills: { type: 'array', items: { $ref: 'AgentSkill' } },
      signatures: { type: 'array', items: { $ref: 'AgentCardSignature' } },
      iconUrl: str,
    },
  },
  AgentInterface: {
    type: 'object',
    required: ['url', 'protocolBinding', 'protocolVersion'],
    additionalProperties: false,
    properties: { url: str, protocolBinding: str, tenant: str, protocolVersion: str },
  },
  AgentProvider: {
    type: 'object',
    required: ['url', 'organization'],
    additionalProperties: false,
    properties: { url: str, organization: str },
  },
  AgentCapabilities: {
    type: 'object',
    additionalProperties: false,
    properties: {
      streaming: { type: 'boolean' },
      pushNotifications: { type: 'boolean' },
      extensions: { type: 'array', items: { $ref: 'AgentExtension' } },
      extendedAgentCard: { type: 'boolean' },
      skillQuery: { type: 'boolean' },
    },
  },
  AgentExtension: {
    type: 'object',
    additionalProperties: false,
    properties: { uri: str, description: str, required: { type: 'boolean' }, params: struct },
  },
  AgentSkill: {
    type: 'object',
    required: ['id', 'name', 'description', 'tags'],
    additionalProperties: false,
    properties: {
      id: str,
      name: str,
      description: str,
      tags: strings,
      examples: strings,
      inputModes: strings,
      outputModes: strings,
      securityRequirements: { type: 'array', items: { $ref: 'SecurityRequirement' } },
    },
  },
  AgentCardSignature: {
    type: 'object',
    required: ['protected', 'signature'],
    additionalProperties: false,
    properties: { protected: str, signature: str, header: struct },
  },
  SecurityRequirement: {
    type: 'object',
    additionalProperties: false,
    properties: {
      schemes: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          properties: { list: strings },
        },
      },
    },
  },
  SecurityScheme: {
    type: 'object',
    additionalProperties: false,
    oneOf: [
      'apiKeySecurityScheme',
      'httpAuthSecurityScheme',
      'oauth2SecurityScheme',
      'openIdConnectSecurityScheme',
      'mtlsSecurityScheme',
    ],
    properties: {
      apiKeySecurityScheme: {
        type: 'object',
        required: ['location', 'name'],
        additionalProperties: false,
        properties: {
          description: str,
          location: { enum: ['query', 'header', 'cookie'] },
          name: str,
        },
      },
      httpAuthSecurityScheme: {
        type: 'object',
        required: ['scheme'],
        additionalProperties: false,
        properties: { description: str, scheme: str, bearerFormat: str },
      },
      oauth2SecurityScheme: {
        type: 'object',
        required: ['flows'],
        additionalProperties: false,
        properties: { description: str, flows: { $ref: 'OAuthFlows' }, oauth2MetadataUrl: str },
      },
      openIdConnectSecurityScheme: {
        type: 'object',
        required: ['openIdConnectUrl'],
        additionalProperties: false,
        properties: { description: str, openIdConnectUrl: str },
      },
      mtlsSecurityScheme: {
        type: 'object',
        additionalProperties: false,
        properties: { description: str },
      },
    },
  },
  OAuthFlows: {
    type: 'object',
    additionalProperties: false,
    oneOf: ['authorizationCode', 'clientCredentials', 'implicit', 'password', 'deviceCode'],
    properties: {
      authorizationCode: {
        type: 'object',
        required: ['authorizationUrl', 'tokenUrl', 'scopes'],
        additionalProperties: false,
        properties: {
          authorizationUrl: str,
          tokenUrl: str,
          refreshUrl: str,
          scopes,
          pkceRequired: { type: 'boolean' },
        },
      },
      clientCredentials: {
        type: 'object',
        required: ['tokenUrl', 'scopes'],
        additionalProperties: false,
        properties: { tokenUrl: str, refreshUrl: str, scopes },
      },
      implicit: {
        type: 'object',
        additionalProperties: false,
        properties: { authorizationUrl: str, refreshUrl: str, scopes },
      },
      password: {
        type: 'object',
        additionalProperties: false,
        properties: { tokenUrl: str, refreshUrl: str, scopes },
      },
      deviceCode: {
        type: 'object',
        required: ['deviceAuthorizationUrl', 'tokenUrl', 'scopes'],
        additionalProperties: false,
        properties: { deviceAuthorizationUrl: str, tokenUrl: str, refreshUrl: str, scopes },
      },
    },
  },
  TaskPushNotificationConfig: {
    type: 'object',
    required: ['url'],
    additionalProperties: false,
    properties: {
      tenant: str,
      id: str,
      taskId: str,
      url: str,
      token: str,
      authentication: { $ref: 'AuthenticationInfo' },
    },
  },
  AuthenticationInfo: {
    type: 'object',
    required: ['scheme'],
    additionalProperties: false,
    properties: { scheme: str, credentials: str },
  },
  ListTaskPushNotificationConfigsResponse: {
    type: 'object',
    additionalProperties: false,
    properties: {
      configs: { type: 'array', items: { $ref: 'TaskPushNotificationConfig' } },
      nextPageToken: str,
    },
  },
  ListTasksResponse: {
    type: 'object',
    required: ['tasks', 'nextPageToken', 'pageSize', 'totalSize'],
    additionalProperties: false,
    properties: {
      tasks: { type: 'array', items: { $ref: 'Task' } },
      nextPageToken: str,
      pageSize: { type: 'integer' },
      totalSize: { type: 'integer' },
    },
  },
  StreamResponse: {
    type: 'object',
    additionalProperties: false,
    oneOf: ['task', 'message', 'statusUpdate', 'artifactUpdate'],
    properties: {
      task: { $ref: 'Task' },
      message: { $ref: 'Message' },
      statusUpdate: { $ref: 'TaskStatusUpdateEvent' },
      artifactUpdate: { $ref: 'TaskArtifactUpdateEvent' },
    },
  },
  TaskStatusUpdateEvent: {
    type: 'object',
    required: ['taskId', 'contextId', 'status'],
    additionalProperties: false,
    properties: {
      taskId: str,
      contextId: str,
      status: { $ref: 'TaskStatus' },
      metadata: struct,
    },
  },
  TaskArtifactUpdateEvent: {
    type: 'object',
    required: ['taskId', 'contextId', 'artifact'],
    additionalProperties: false,
    properties: {
      taskId: str,
      contextId: str,
      artifact: { $ref: 'Artifact' },
      append: { type: 'boolean' },
      lastChunk: { type: 'boolean' },
      metadata: struct,
    },
  },
  Task: {
    type: 'object',
    required: ['id', 'status'],
    additionalProperties: false,
    properties: {
      id: str,
      contextId: str,
      status: { $ref: 'TaskStatus' },
      artifacts: { type: 'array', items: { $ref: 'Artifact' } },
      history: { type: 'array', items: { $ref: 'Message' } },
      metadata: struct,
    },
  },
  TaskStatus: {
    type: 'object',
    required: ['state'],
    additionalProperties: false,
    properties: {
      state: {
        enum: [
          'TASK_STATE_UNSPECIFIED',
          'TASK_STATE_SUBMITTED',
          'TASK_STATE_WORKING',
          'TASK_STATE_COMPLETED',
          'TASK_STATE_FAILED',
          'TASK_STATE_CANCELED',
          'TASK_STATE_INPUT_REQUIRED',
          'TASK_STATE_REJECTED',
          'TASK_STATE_AUTH_REQUIRED',
        ],
      },
      message: { $ref: 'Message' },
      timestamp: { type: 'string', format: 'date-time' },
    },
  },
  Message: {
    type: 'object',
    required: ['messageId', 'role', 'parts'],
    additionalProperties: false,
    properties: {
      messageId: str,
      contextId: str,
      taskId: str,
      role: { enum: ['ROLE_UNSPECIFIED', 'ROLE_USER', 'ROLE_AGENT'] },
      parts: { type: 'array', items: { $ref: 'Part' } },
      metadata: struct,
      extensions: strings,
      referenceTaskIds: strings,
    },
  },
  Part: {
    type: 'object',
    additionalProperties: false,
    oneOf: ['text', 'raw', 'url', 'data'],
    properties: {
      text: str,
      raw: str,
      url: str,
      data: any,
      metadata: struct,
      filename: str,
      mediaType: str,
    },
  },
  Artifact: {
    type: 'object',
    required: ['artifactId', 'parts'],
    additionalProperties: false,
    properties: {
      artifactId: str,
      name: str,
      description: str,
      parts: { type: 'array', minItems: 1, items: { $ref: 'Part' } },
      metadata: struct,
      extensions: strings,
    },
  },
};

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Every way `value` departs from the schema, as `path: problem` lines; empty when it fits. */
export function violations(value: unknown, schema: Schema | string, path = '$'): string[] {
  const resolved = typeof schema === 'string' ? { $ref: schema } : schema;
  if (resolved.$ref) return violations(value, DEFINITIONS[resolved.$ref], path);
  const problems: string[] = [];
  if (resolved.enum) {
    if (!resolved.enum.includes(value as string)) problems.push(`${path}: not one of the enum`);
    return problems;
  }
  switch (resolved.type) {
    case 'any':
      return problems;
    case 'string':
      if (typeof value !== 'string') return [`${path}: not a string`];
      if (resolved.format === 'date-time' && !ISO_DATE_TIME.test(value)) {
        problems.push(`${path}: not an RFC 3339 timestamp`);
      }
      return problems;
    case 'boolean':
      return typeof value === 'boolean' ? problems : [`${path}: not a boolean`];
    case 'integer':
      return Number.isInteger(value) ? problems : [`${path}: not an integer`];
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: not an array`];
      if (resolved.minItems !== undefined && value.length < resolved.minItems) {
        problems.push(`${path}: fewer than ${resolved.minItems} items`);
      }
      value.forEach((item, index) =>
        problems.push(...violations(item, resolved.items ?? any, `${path}[${index}]`)),
      );
      return problems;
    }
    case 'object':
    case undefined: {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return [`${path}: not an object`];
      }
      const record = value as Record<string, unknown>;
      for (const key of resolved.required ?? []) {
        if (!(key in record)) problems.push(`${path}.${key}: required`);
      }
      if (resolved.oneOf) {
        const present = resolved.oneOf.filter((key) => key in record);
        if (present.length !== 1)
          problems.push(`${path}: exactly one of ${resolved.oneOf.join('|')}`);
      }
      for (const [key, entry] of Object.entries(record)) {
        const property = resolved.properties?.[key];
        if (property) problems.push(...violations(entry, property, `${path}.${key}`));
        else if (resolved.additionalProperties === false)
          problems.push(`${path}.${key}: unknown field`);
        else if (resolved.additionalProperties) {
          problems.push(...violations(entry, resolved.additionalProperties, `${path}.${key}`));
        }
      }
      return problems;
    }
  }
}
