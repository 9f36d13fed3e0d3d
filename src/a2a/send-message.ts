import type { FieldError } from '../common/errors/domain-error';
import {
  A2aContentTypeNotSupportedError,
  A2aInvalidParamsError,
  A2aUnsupportedOperationError,
} from './a2a.errors';

/** What a SendMessageRequest asks AgentMesh to do: start this definition with this input. */
export interface RunRequest {
  skillId: string;
  input: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the skill and the input of a SendMessageRequest. The skill (a workflow definition key)
 * is `message.metadata.skillId`, else the request's `metadata.skillId`. The input is the first
 * data part's `data` (an object); without one, the text parts joined by newlines as `{text}`.
 */
export function runRequestOf(
  message: Record<string, unknown>,
  metadata: Record<string, unknown> | undefined,
): RunRequest {
  const errors: FieldError[] = [];
  if (typeof message.messageId !== 'string' || message.messageId.length === 0) {
    errors.push({ field: 'message.messageId', message: 'messageId must be a non-empty string' });
  }
  if (message.role !== 'ROLE_USER') {
    errors.push({ field: 'message.role', message: 'role must be "ROLE_USER"' });
  }
  const parts = message.parts;
  if (!Array.isArray(parts) || parts.length === 0 || !parts.every(isObject)) {
    errors.push({ field: 'message.parts', message: 'parts must be a non-empty array of Parts' });
  } else {
    errors.push(...parts.flatMap((part, index) => partErrors(part, `message.parts[${index}]`)));
  }
  const messageMetadata = message.metadata;
  if (messageMetadata !== undefined && !isObject(messageMetadata)) {
    errors.push({ field: 'message.metadata', message: 'metadata must be an object' });
  }
  const skillId =
    (isObject(messageMetadata) ? messageMetadata.skillId : undefined) ?? metadata?.skillId;
  if (typeof skillId !== 'string' || skillId.length === 0) {
    errors.push({
      field: 'message.metadata.skillId',
      message: 'name the skill (a workflow definition key) in message.metadata.skillId',
    });
  }
  if (errors.length > 0)
    throw new A2aInvalidParamsError('The SendMessageRequest is not valid.', errors);
  if (message.taskId !== undefined) {
    throw new A2aUnsupportedOperationError(
      'Messages to an existing task are not supported: every message starts a new task. ' +
        'Approve or signal a waiting run through the workflows API.',
    );
  }
  return { skillId: skillId as string, input: inputOf(parts as Array<Record<string, unknown>>) };
}

/** A Part's content, one of them (lf.a2a.v1 `oneof content`). */
const PART_CONTENT = ['text', 'data', 'raw', 'url'] as const;
const PART_FIELDS = new Set<string>([...PART_CONTENT, 'metadata', 'filename', 'mediaType']);

function partErrors(part: Record<string, unknown>, field: string): FieldError[] {
  const unknown = Object.keys(part).filter((name) => !PART_FIELDS.has(name));
  if (unknown.length > 0)
    return [{ field: `${field}.${unknown[0]}`, message: `${unknown[0]} is not a field of a Part` }];
  const content = PART_CONTENT.filter((name) => part[name] !== undefined);
  if (content.length !== 1) {
    return [{ field, message: 'a Part holds exactly one of text, data, raw and url' }];
  }
  for (const name of ['text', 'raw', 'url', 'filename', 'mediaType'] as const) {
    if (part[name] !== undefined && typeof part[name] !== 'string')
      return [{ field: `${field}.${name}`, message: `${name} must be a string` }];
  }
  if (part.metadata !== undefined && !isObject(part.metadata))
    return [{ field: `${field}.metadata`, message: 'metadata must be an object' }];
  return [];
}

/**
 * SendMessageConfiguration's fields: the push config (either name) is checked where it is
 * registered; what this service does not act on is still checked for its type, and a field
 * it does not know is refused, as anywhere else in the request.
 */
export function configurationErrors(configuration: Record<string, unknown> | undefined) {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(configuration ?? {})) {
    const field = `configuration.${name}`;
    switch (name) {
      case 'taskPushNotificationConfig':
      case 'pushNotificationConfig':
        break;
      case 'returnImmediately':
        if (typeof value !== 'boolean')
          errors.push({ field, message: `${name} must be a boolean` });
        break;
      case 'historyLength':
        if (!Number.isInteger(value) || (value as number) < 0)
          errors.push({ field, message: 'historyLength must be a non-negative integer' });
        break;
      case 'acceptedOutputModes':
        if (!Array.isArray(value) || !value.every((mode) => typeof mode === 'string'))
          errors.push({ field, message: 'acceptedOutputModes must be an array of strings' });
        break;
      default:
        errors.push({ field, message: `${name} is not a field of SendMessageConfiguration` });
    }
  }
  return errors;
}

function inputOf(parts: Array<Record<string, unknown>>): Record<string, unknown> {
  const index = parts.findIndex((part) => 'data' in part);
  const data = index === -1 ? undefined : parts[index];
  if (data) {
    if (!isObject(data.data)) {
      throw new A2aInvalidParamsError('The SendMessageRequest is not valid.', [
        {
          field: `message.parts[${index}].data`,
          message: 'a data part must hold a JSON object (the run input)',
        },
      ]);
    }
    return data.data;
  }
  const texts = parts.filter((part) => typeof part.text === 'string').map((part) => part.text);
  if (texts.length === 0) {
    throw new A2aContentTypeNotSupportedError(
      'Only text and data parts are accepted; file parts (raw, url) are not.',
    );
  }
  return { text: texts.join('\n') };
}
