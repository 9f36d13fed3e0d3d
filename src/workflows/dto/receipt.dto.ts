import { ApiProperty } from '@nestjs/swagger';

export class ReceiptStepDto {
  @ApiProperty()
  key: string;

  @ApiProperty({ example: 'task' })
  kind: string;

  @ApiProperty({ description: "The step's status at the run's end; `not_started` without a task" })
  status: string;

  @ApiProperty({ type: [String], description: "Its task's id (and its fan-out elements')" })
  taskIds: string[];

  @ApiProperty({ type: [String], description: 'Agents whose claims the audit recorded, sorted' })
  agentIds: string[];

  @ApiProperty({ description: 'Claims recorded: one per attempt an agent took' })
  attempts: number;

  @ApiProperty({ type: String, nullable: true, description: "Its first audit entry's time" })
  startedAt: string | null;

  @ApiProperty({ type: String, nullable: true, description: "Its last audit entry's time" })
  finishedAt: string | null;
}

export class ReceiptDefinitionDto {
  @ApiProperty()
  key: string;

  @ApiProperty({ type: Number, nullable: true, description: 'null for an inline run' })
  version: number | null;

  @ApiProperty({
    description:
      'sha256 (hex) of the canonical JSON of the stored definition version (an inline run: {key, steps})',
  })
  contentHash: string;
}

export class ReceiptAuditDto {
  @ApiProperty({ description: "Seq of the run's first sealed entry (its own or its tasks')" })
  fromSeq: string;

  @ApiProperty({ description: "Seq of the run's last sealed entry" })
  toSeq: string;

  @ApiProperty({ description: "How many of the run's entries lie in fromSeq..toSeq" })
  entries: number;

  @ApiProperty({ description: 'The chain position the receipt covers (its toSeq)' })
  headSeq: string;

  @ApiProperty({ description: 'The chain hash at headSeq: it commits to every entry before it' })
  headHash: string;
}

export class RunReceiptDto {
  @ApiProperty({ example: 1 })
  receiptVersion: number;

  @ApiProperty()
  tenantId: string;

  @ApiProperty({ format: 'uuid' })
  workflowId: string;

  @ApiProperty({ enum: ['succeeded', 'failed', 'cancelled'] })
  status: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt: string | null;

  @ApiProperty({ format: 'date-time' })
  finishedAt: string;

  @ApiProperty({ type: ReceiptDefinitionDto })
  definition: ReceiptDefinitionDto;

  @ApiProperty({
    description: 'sha256 (hex) of the canonical JSON of the run input (null: of null)',
  })
  inputHash: string;

  @ApiProperty({
    description: 'sha256 (hex) of the canonical JSON of the run output (null: of null)',
  })
  outputHash: string;

  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: {
      inputTokens: { type: 'integer' },
      outputTokens: { type: 'integer' },
      costUsd: { type: 'number' },
      reports: { type: 'integer' },
    },
    description: "What the run's agents reported using, summed (null: nothing was reported)",
  })
  usage: { inputTokens: number; outputTokens: number; costUsd: number; reports: number } | null;

  @ApiProperty({ type: [ReceiptStepDto] })
  steps: ReceiptStepDto[];

  @ApiProperty({ type: ReceiptAuditDto })
  audit: ReceiptAuditDto;

  @ApiProperty({ format: 'date-time' })
  issuedAt: string;
}

export class SignedReceiptDto {
  @ApiProperty({ type: RunReceiptDto })
  receipt: RunReceiptDto;

  @ApiProperty({ description: 'Ed25519 over the RFC 8785 canonical JSON of `receipt`, base64' })
  signature: string;

  @ApiProperty({ description: 'First 16 hex digits of the SHA-256 of the public key' })
  keyId: string;

  @ApiProperty({ description: 'The raw Ed25519 public key, base64 (pin it to verify offline)' })
  publicKey: string;

  @ApiProperty({
    description: 'sha256 (hex) of the canonical JSON of `receipt`; webhooks carry it',
  })
  receiptHash: string;
}
