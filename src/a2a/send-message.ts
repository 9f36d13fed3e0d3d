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

function inputOf(parts: Array<Record<string, unknown>>): Record<string, unknown> {
  const data = parts.find((part) => 'data' in part);
  if (data) {
    if (!isObject(data.data)) {
      throw new A2aInvalidParamsError('The SendMessageRequest is not valid.', [
        {
          field: 'message.parts.data',
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
