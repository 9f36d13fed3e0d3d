import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunReceipt, SignedReceipt } from '../../audit/run-receipt';
import { currentTenantId } from '../../common/context/request-context';
import { UUID_PATTERN } from '../../common/ids';
import { AuditService } from '../../audit/audit.service';
import { ReceiptInvalidError, ReceiptNotIssuedError, RunNotFoundError } from '../workflows.errors';

@Injectable()
export class ReceiptsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * The receipt of the run's current finish: none while it runs (a retried run included, until
   * it finishes again and gets its next receipt), nor in the moments between its end and the
   * sealing of its audit entries.
   */
  async get(id: string): Promise<SignedReceipt> {
    if (!UUID_PATTERN.test(id)) throw new RunNotFoundError(id.slice(0, 80));
    const [row] = await this.dataSource.query<
      Array<{ found: boolean; receipt: RunReceipt | null } & Omit<SignedReceipt, 'receipt'>>
    >(
      `SELECT true AS found, rc.receipt, rc.signature, rc.key_id AS "keyId",
              rc.public_key AS "publicKey", rc.receipt_hash AS "receiptHash"
         FROM workflow_runs r
         LEFT JOIN workflow_receipts rc ON rc.run_id = r.id AND rc.finished_at = r.finished_at
        WHERE r.tenant_id = $1 AND r.id = $2`,
      [currentTenantId(), id],
    );
    if (!row) throw new RunNotFoundError(id);
    if (!row.receipt) throw new ReceiptNotIssuedError(id);
    const signed: SignedReceipt = {
      receipt: row.receipt,
      signature: row.signature,
      keyId: row.keyId,
      publicKey: row.publicKey,
      receiptHash: row.receiptHash,
    };
    // Served only as issued: a client that reads it without a pinned key would trust it.
    if (!(await this.audit.receiptHolds(signed))) throw new ReceiptInvalidError(id);
    return signed;
  }
}
