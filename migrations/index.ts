import { CreateTenants1763800000000 } from './1763800000000-CreateTenants';
import { CreateApiKeys1763800001000 } from './1763800001000-CreateApiKeys';
import { CreateAudit1763800002000 } from './1763800002000-CreateAudit';
import { CreateAuditCheckpoints1763800003000 } from './1763800003000-CreateAuditCheckpoints';
import { CreateAgents1763800004000 } from './1763800004000-CreateAgents';
import { CreateEvents1763800005000 } from './1763800005000-CreateEvents';
import { CreateWebhookEndpoints1763800007000 } from './1763800007000-CreateWebhookEndpoints';

/** Every migration, oldest first. Listed explicitly so the app, the CLI and jest load the same set. */
export const MIGRATIONS = [
  CreateTenants1763800000000,
  CreateApiKeys1763800001000,
  CreateAudit1763800002000,
  CreateAuditCheckpoints1763800003000,
  CreateAgents1763800004000,
  CreateEvents1763800005000,
  CreateWebhookEndpoints1763800007000,
];
