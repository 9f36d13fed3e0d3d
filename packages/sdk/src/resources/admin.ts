import { segment, type CallOptions, type Transport } from '../http';
import type {
  ApiKey,
  AuditEntry,
  Checkpoint,
  CreateApiKey,
  CreateTenant,
  IssuedApiKey,
  Page,
  QueryOf,
  Schemas,
  Tenant,
  VerifyResult,
  WhoAmI,
} from '../types';
import { listPage } from './list';

type Signal = Pick<CallOptions, 'signal'>;

/** The hash-chained audit trail. */
export class AuditResource {
  constructor(private readonly http: Transport) {}

  list(
    query: QueryOf<'AuditController_list'> = {},
    options: Signal = {},
  ): Promise<Page<AuditEntry>> {
    return listPage(this.http, '/audit', 'entries', query, options);
  }

  verify(
    query: QueryOf<'AuditController_verify'> = {},
    options: Signal = {},
  ): Promise<VerifyResult> {
    return this.http.data('GET', '/audit/verify', { query, ...options });
  }

  checkpoints(
    query: QueryOf<'AuditController_checkpoints'> = {},
    options: Signal = {},
  ): Promise<Page<Checkpoint>> {
    return listPage(this.http, '/audit/checkpoints', 'checkpoints', query, options);
  }

  /** The NDJSON export (verify it offline with `npm run audit:verify`). */
  async export(
    query: QueryOf<'AuditController_export'> = {},
    options: Signal = {},
  ): Promise<string> {
    const response = await this.http.send('GET', '/audit/export', { query, ...options });
    return response.text();
  }
}

/** API keys: shown once on create and rotate. */
export class ApiKeysResource {
  constructor(private readonly http: Transport) {}

  create(body: CreateApiKey, options: Signal = {}): Promise<IssuedApiKey> {
    return this.http.data('POST', '/api-keys', { body, ...options });
  }

  list(query: QueryOf<'ApiKeysController_list'> = {}, options: Signal = {}): Promise<Page<ApiKey>> {
    return listPage(this.http, '/api-keys', 'apiKeys', query, options);
  }

  get(id: string, options: Signal = {}): Promise<ApiKey> {
    return this.http.data('GET', `/api-keys/${segment(id)}`, options);
  }

  async revoke(id: string, options: Signal = {}): Promise<void> {
    await this.http.json('DELETE', `/api-keys/${segment(id)}`, options);
  }

  /** The presented key: its tenant, scopes and agent binding. */
  whoami(options: Signal = {}): Promise<WhoAmI> {
    return this.http.data('GET', '/whoami', options);
  }

  /** A successor key; the old one stays valid for `overlapSeconds` (default 24 h). */
  rotate(
    id: string,
    body: Schemas['RotateApiKeyDto'] = {},
    options: Signal = {},
  ): Promise<IssuedApiKey> {
    return this.http.data('POST', `/api-keys/${segment(id)}/rotate`, { body, ...options });
  }
}

/** Tenants (platform admins). */
export class TenantsResource {
  constructor(private readonly http: Transport) {}

  create(body: CreateTenant, options: Signal = {}): Promise<Tenant> {
    return this.http.data('POST', '/tenants', { body, idempotencyKey: true, ...options });
  }

  list(query: QueryOf<'TenantsController_list'> = {}, options: Signal = {}): Promise<Page<Tenant>> {
    return listPage(this.http, '/tenants', 'tenants', query, options);
  }
}
