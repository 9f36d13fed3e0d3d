import {
  auditRange,
  canonicalJson,
  ReceiptEntry,
  RECEIPT_VERSION,
  ReceiptStep,
  RunReceipt,
  sha256Hex,
  stepFacts,
} from '../../audit/run-receipt';
import type { UsageTotals } from '../usage/usage';

export interface ReceiptRun {
  id: string;
  tenantId: string;
  type: string;
  definitionVersion: number | null;
  status: string;
  input: unknown;
  output: unknown;
  usage?: UsageTotals | null;
  steps: Array<{ key: string; kind?: string }>;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date;
}

export interface ReceiptTask {
  id: string;
  stepKey: string;
  kind: string;
  status: string;
  elementIndex: number | null;
}

/**
 * The receipt of a finished run from its rows and its sealed audit entries (seq order).
 * `definitionDocument` is the stored definition version (null for an inline run, whose steps
 * are then what is hashed). Steps keep the run's step order; a fan-out step's tasks are its
 * own followed by its elements' in index order.
 */
export function buildReceipt(input: {
  run: ReceiptRun;
  tasks: ReceiptTask[];
  entries: ReceiptEntry[];
  definitionDocument: unknown;
  issuedAt: Date;
}): RunReceipt {
  const { run, tasks, entries } = input;
  const range = auditRange(entries);
  if (!range) throw new Error(`Run ${run.id} has no sealed audit entries`);
  const steps: ReceiptStep[] = run.steps.map((spec) => {
    const own = tasks
      .filter((task) => task.stepKey === spec.key)
      .sort((a, b) => (a.elementIndex ?? -1) - (b.elementIndex ?? -1));
    const parent = own.find((task) => task.elementIndex === null);
    const taskIds = own.map((task) => task.id);
    return {
      key: spec.key,
      kind: parent?.kind ?? spec.kind ?? 'task',
      status: parent?.status ?? 'not_started',
      taskIds,
      ...stepFacts(entries, taskIds),
    };
  });
  const document = input.definitionDocument ?? { key: run.type, steps: run.steps };
  return {
    receiptVersion: RECEIPT_VERSION,
    tenantId: run.tenantId,
    workflowId: run.id,
    status: run.status,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt ? run.startedAt.toISOString() : null,
    finishedAt: run.finishedAt.toISOString(),
    definition: {
      key: run.type,
      version: run.definitionVersion,
      contentHash: sha256Hex(canonicalJson(document)),
    },
    inputHash: sha256Hex(canonicalJson(run.input ?? null)),
    outputHash: sha256Hex(canonicalJson(run.output ?? null)),
    usage: run.usage ?? null,
    steps,
    audit: range,
    issuedAt: input.issuedAt.toISOString(),
  };
}
