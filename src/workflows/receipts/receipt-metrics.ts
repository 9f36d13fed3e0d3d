import { Counter, Histogram, register } from 'prom-client';

/** Receipts issued by this replica, by the run's status, counted as their transactions commit. */
export const receiptsIssued =
  (register.getSingleMetric('workflow_receipts_issued_total') as Counter | undefined) ??
  new Counter({
    name: 'workflow_receipts_issued_total',
    help: 'Signed run receipts issued, by run status',
    labelNames: ['status'],
  });

/** Building, canonicalising, hashing and signing one receipt (no database time). */
export const receiptSigningSeconds =
  (register.getSingleMetric('workflow_receipt_signing_seconds') as Histogram | undefined) ??
  new Histogram({
    name: 'workflow_receipt_signing_seconds',
    help: 'Time to build, canonicalise and sign one run receipt',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
  });
