import { Module } from '@nestjs/common';
import { AuditSealer } from './audit-sealer';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditSealer],
  exports: [AuditService],
})
export class AuditModule {}
