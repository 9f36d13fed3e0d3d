import type { OpenAPIObject } from '@nestjs/swagger';
import { problemResponse } from './problem-responses';

type PathItemObject = OpenAPIObject['paths'][string];
type OperationObject = NonNullable<PathItemObject['get']>;
type ParameterObject = { name: string; in: string; required?: boolean; [key: string]: unknown };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

const TENANT_HEADER: ParameterObject = {
  name: 'X-Tenant-Id',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description:
    "A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when " +
    'there is none); any other key naming a tenant not its own is refused (403).',
};

/**
 * What every operation of a kind may answer, added to the document where its route does not say
 * it already: the body parser's 413 (past `BODY_LIMIT_BYTES`) and 415 (a body not sent as
 * `application/json`) on every operation taking a JSON body, and, on every authenticated
 * `/api/v1` operation, the `X-Tenant-Id` header a platform admin acts in another tenant with,
 * and the 403 and 404 it may bring. A client generated from the document then knows them all.
 */
export function completeDocument(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries<PathItemObject>(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) completeOperation(path, operation);
    }
  }
  return document;
}

function completeOperation(path: string, operation: OperationObject): void {
  const responses = operation.responses;
  const body = operation.requestBody as { content?: Record<string, unknown> } | undefined;
  if (body?.content?.['application/json']) {
    for (const status of [413, 415]) responses[status] ??= problemResponse(status);
  }
  if (!path.startsWith('/api/v1/') || !operation.security?.length) return;
  const parameters = (operation.parameters ??= []) as ParameterObject[];
  if (
    !parameters.some(
      (parameter) => parameter.in === 'header' && /^x-tenant-id$/i.test(parameter.name),
    )
  )
    parameters.push(TENANT_HEADER);
  for (const status of [403, 404]) responses[status] ??= problemResponse(status);
}
