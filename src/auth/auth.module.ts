import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { AuthAttempts } from './auth-attempts';
import { AuthGuard } from './auth.guard';
import { KeyChanges } from './key-changes';
import { ApiKey } from './entities/api-key.entity';
import { Tenant } from './entities/tenant.entity';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';
import { WhoAmIController } from './whoami.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant, ApiKey]), AuditModule],
  controllers: [TenantsController, ApiKeysController, WhoAmIController],
  providers: [TenantsService, ApiKeysService, ApiKeyCache, AuthAttempts, AuthGuard, KeyChanges],
  exports: [AuthGuard, TenantsService, KeyChanges],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(
    private readonly apiKeys: ApiKeysService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.apiKeys.ensureAdminKey(this.config.adminApiKey);
  }
}
