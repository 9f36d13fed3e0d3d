import type { FieldError } from '../../common/errors/domain-error';
import { A2aInvalidParamsError } from '../a2a.errors';

/** The A2A header that carries a config's token to its receiver. */
export const NOTIFICATION_TOKEN_HEADER = 'x-a2a-notification-token';
/** The response header that hands out the secret a config's deliveries are signed with. */
export const PUSH_SECRET_HEADER = 'webhook-secret';
/** A task has at most this many push notification configs. */
export const MAX_CONFIGS_PER_TASK = 10;

/** lf.a2a.v1 TaskPushNotificationConfig (ProtoJSON), as answered: credentials never are. */
export interface TaskPushNotificationConfig {
  id: string;
  taskId: string;
  url: string;
  token?: string;
  authentication?: { scheme: string };
}

/** What a client's TaskPushNotificationConfig asks for, checked. */
export interface PushConfigRequest {
  /** The client's config id; absent: one is generated. */
  configId: string | undefined;
  url: string;
  token: string | null;
  authScheme: string | null;
  authCredentials: string | null;
}

const FIELDS = new Set(['tenant', 'id', 'taskId', 'url', 'token', 'authentication']);
const AUTH_FIELDS = new Set(['scheme', 'credentials']);
/** A config id travels in paths: unreserved URL characters only. */
const CONFIG_ID = /^[A-Za-z0-9._~-]{1,64}$/;
/** An HTTP auth scheme is an RFC 9110 token. */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** A header value we write: printable ASCII, no line breaks. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a TaskPushNotificationConfig: `url` required (its reach is checked apart, as a webhook
 * endpoint's), `id`, `token` and `authentication {scheme, credentials}` optional, `taskId` only
 * where the task is known (`expectTaskId`: the path's; null: none may be named, as inside a
 * SendMessageRequest). Empty strings are unset, as in ProtoJSON. `field` prefixes error fields.
 */
export function pushConfigRequestOf(
  value: unknown,
  expectTaskId: string | null,
  field = '',
): PushConfigRequest {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const invalid = (errors: FieldError[]) =>
    new A2aInvalidParamsError('The TaskPushNotificationConfig is not valid.', errors);
  if (!isObject(value)) {
    throw invalid([
      { field: field || 'body', message: 'must be a TaskPushNotificationConfig object' },
    ]);
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(value)) {
    if (!FIELDS.has(key)) errors.push({ field: at(key), message: `${key} is not a known field` });
  }
  const text = (name: string, max: number, pattern: RegExp, rule: string): string | null => {
    const raw = value[name];
    if (raw === undefined || raw === null || raw === '') return null;
    if (typeof raw !== 'string' || raw.length > max || !pattern.test(raw)) {
      errors.push({ field: at(name), message: rule });
      return null;
    }
    return raw;
  };
  const configId = text(
    'id',
    64,
    CONFIG_ID,
    'id must be 1-64 letters, digits, ".", "_", "~" or "-"',
  );
  const taskId = text('taskId', 64, /^/, 'taskId must be a string');
  if (taskId !== null && taskId !== expectTaskId) {
    errors.push({
      field: at('taskId'),
      message:
        expectTaskId === null
          ? 'taskId must be empty here: the config is for the task this message starts'
          : 'taskId must be empty or the task of the path',
    });
  }
  if (value.tenant !== undefined && typeof value.tenant !== 'string') {
    errors.push({ field: at('tenant'), message: 'tenant must be a string' });
  }
  const url = value.url;
  if (typeof url !== 'string' || url.length === 0 || url.length > 2048) {
    errors.push({
      field: at('url'),
      message: 'url is required: an absolute http(s) URL of at most 2048 characters',
    });
  }
  const token = text(
    'token',
    512,
    HEADER_SAFE,
    'token must be at most 512 printable ASCII characters',
  );
  let authScheme: string | null = null;
  let authCredentials: string | null = null;
  const authentication = value.authentication;
  if (authentication !== undefined && authentication !== null) {
    if (!isObject(authentication)) {
      errors.push({
        field: at('authentication'),
        message: 'authentication must be an AuthenticationInfo object',
      });
    } else {
      for (const key of Object.keys(authentication)) {
        if (!AUTH_FIELDS.has(key)) {
          errors.push({
            field: at(`authentication.${key}`),
            message: `${key} is not a known field`,
          });
        }
      }
      const scheme = authentication.scheme;
      if (typeof scheme !== 'string' || !SCHEME.test(scheme)) {
        errors.push({
          field: at('authentication.scheme'),
          message: 'scheme is required: an HTTP authentication scheme such as "Bearer"',
        });
      } else {
        authScheme = scheme;
      }
      const credentials = authentication.credentials;
      if (credentials !== undefined && credentials !== null && credentials !== '') {
        if (
          typeof credentials !== 'string' ||
          credentials.length > 4096 ||
          !HEADER_SAFE.test(credentials)
        ) {
          errors.push({
            field: at('authentication.credentials'),
            message: 'credentials must be at most 4096 printable ASCII characters',
          });
        } else {
          authCredentials = credentials;
        }
      }
    }
  }
  if (errors.length > 0) throw invalid(errors);
  return {
    configId: configId ?? undefined,
    url: url as string,
    token,
    authScheme,
    authCredentials,
  };
}

/** The headers a config's deliveries carry besides ours: its token, its Authorization. */
export function pushHeaders(request: {
  token: string | null;
  authScheme: string | null;
  authCredentials: string | null;
}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.token) headers[NOTIFICATION_TOKEN_HEADER] = request.token;
  if (request.authScheme) {
    headers.authorization = request.authCredentials
      ? `${request.authScheme} ${request.authCredentials}`
      : request.authScheme;
  }
  return headers;
}
