import { Module } from '@nestjs/common';
import { AuditMetrics } from './audit-metrics';
import { AuditSealer } from './audit-sealer';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditSealer, AuditMetrics],
  exports: [AuditService],
})
export class AuditModule {}
