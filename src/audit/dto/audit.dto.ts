import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsInstant } from '../../common/validation/instant';
import { IsBefore } from '../../common/validation/is-before';
import type { Checkpoint } from '../audit-signing';
import { keyIdOf } from '../audit-signer';
import type { AuditRow, VerifyResult } from '../audit.service';
import { QueryInt } from '../../common/query-int';

/** Beyond this a seq cannot be a JS number without losing precision. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'api_key' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  resourceType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  resourceId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actorId?: string;

  @ApiPropertyOptional({ example: 'api_key.create' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Inclusive lower bound, with its zone (`Z` or an offset); before `to`',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  @IsInstant()
  @IsBefore('to')
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Exclusive upper bound, with its zone (`Z` or an offset)',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  @IsInstant()
  to?: string;
}

export class VerifyQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  fromSeq?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Defaults to the head of the chain' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  toSeq?: number;
}

export class ExportQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'Platform admins: the whole chain, every tenant (verifiable with --complete)',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'all must be true or false' })
  all?: 'true' | 'false';
}

export class AuditActorDto {
  @ApiProperty({ enum: ['apiKey', 'agent', 'system'] })
  type: string;

  @ApiProperty()
  id: string;
}

export class AuditResourceDto {
  @ApiProperty()
  type: string;

  @ApiProperty()
  id: string;
}

export class AuditEntryDto {
  @ApiProperty({ nullable: true, type: Number, description: 'null until the sealer reaches it' })
  seq: number | null;

  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: '2026-11-22T05:00:00.123456Z' })
  occurredAt: string;

  @ApiProperty({ nullable: true, type: String })
  tenantId: string | null;

  @ApiProperty({ type: AuditActorDto })
  actor: AuditActorDto;

  @ApiProperty()
  action: string;

  @ApiProperty({ type: AuditResourceDto })
  resource: AuditResourceDto;

  @ApiProperty({ nullable: true, type: String })
  correlationId: string | null;

  @ApiProperty({ nullable: true, type: String })
  ip: string | null;

  @ApiProperty({ nullable: true, type: String })
  userAgent: string | null;

  @ApiPropertyOptional({ type: Object })
  before?: unknown;

  @ApiPropertyOptional({ type: Object })
  after?: unknown;

  @ApiProperty({ nullable: true, type: String })
  prevHash: string | null;

  @ApiProperty({ nullable: true, type: String })
  hash: string | null;

  static from(row: AuditRow): AuditEntryDto {
    return {
      seq: row.seq === null ? null : Number(row.seq),
      id: row.id,
      occurredAt: row.occurredAt,
      tenantId: row.tenantId,
      actor: { type: row.actorType, id: row.actorId },
      action: row.action,
      resource: { type: row.resourceType, id: row.resourceId },
      correlationId: row.correlationId,
      ip: row.ip,
      userAgent: row.userAgent,
      ...(row.before === null ? {} : { before: JSON.parse(row.before) as unknown }),
      ...(row.after === null ? {} : { after: JSON.parse(row.after) as unknown }),
      prevHash: row.prevHash,
      hash: row.hash,
    };
  }
}

export class ChainHeadDto {
  @ApiProperty()
  seq: number;

  @ApiProperty()
  hash: string;
}

export class VerifyResultDto implements VerifyResult {
  @ApiProperty()
  valid: boolean;

  @ApiProperty({ description: 'Links checked and found valid' })
  checked: number;

  @ApiProperty({ nullable: true, type: Number })
  firstInvalidSeq: number | null;

  @ApiProperty({
    nullable: true,
    type: String,
    enum: [
      'missing_link',
      'missing_entry',
      'prev_hash_mismatch',
      'hash_mismatch',
      'bad_checkpoint_signature',
      'checkpoint_mismatch',
      'chain_truncated',
      'anchor_mismatch',
    ],
    description:
      'chain_truncated: a signed head (a checkpoint, or the anchor the sealer keeps outside the ' +
      'database) lies beyond the chain, e.g. its tail was deleted or an older backup restored; ' +
      'anchor_mismatch: the chain no longer holds the head the sealer last signed (at that seq, ' +
      'or from seq 1 when the chain in this database was replaced)',
  })
  reason: string | null;

  @ApiProperty({ nullable: true, type: ChainHeadDto })
  head: ChainHeadDto | null;
}

export class CheckpointDto {
  @ApiProperty()
  seq: number;

  @ApiProperty({ description: 'Chain hash at seq' })
  hash: string;

  @ApiProperty({ example: '2026-11-22T05:00:00.123456Z' })
  signedAt: string;

  @ApiProperty({ description: 'Raw Ed25519 public key, base64: pin the one you trust' })
  publicKey: string;

  @ApiProperty({ description: 'First 16 hex digits of the SHA-256 of the public key' })
  keyId: string;

  @ApiProperty({
    description:
      'Ed25519 signature (base64) of the RFC 8785 JSON of {seq (string), hash, signedAt, publicKey}',
  })
  signature: string;

  static from(checkpoint: Checkpoint): CheckpointDto {
    return { ...checkpoint, seq: Number(checkpoint.seq), keyId: keyIdOf(checkpoint.publicKey) };
  }
}
