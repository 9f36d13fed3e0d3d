import { Module } from '@nestjs/common';
import { AuditMetrics } from './audit-metrics';
import { AuditSelfVerify } from './audit-self-verify';
import { AuditSealer } from './audit-sealer';
import { AuditSigner } from './audit-signer';
import { AuditVerifier } from './audit-verifier';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditVerifier, AuditSealer, AuditMetrics, AuditSigner, AuditSelfVerify],
  exports: [AuditService],
})
export class AuditModule {}
