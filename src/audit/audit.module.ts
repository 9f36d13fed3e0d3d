import { Module } from '@nestjs/common';
import { AuditMetrics } from './audit-metrics';
import { AuditSealer } from './audit-sealer';
import { AuditSigner } from './audit-signer';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditSealer, AuditMetrics, AuditSigner],
  exports: [AuditService],
})
export class AuditModule {}
