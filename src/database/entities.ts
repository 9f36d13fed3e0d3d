import { ApiKey } from '../auth/entities/api-key.entity';
import { Tenant } from '../auth/entities/tenant.entity';

/** Every entity of every module; each module still owns (and alone queries) its tables. */
export const ENTITIES = [Tenant, ApiKey];
