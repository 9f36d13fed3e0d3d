import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SkillSummaryDto {
  @ApiProperty({ example: 'write' }) skill: string;
  @ApiProperty({ description: 'Agents with this skill that can claim now (online or degraded)' })
  agentsOnline: number;
  @ApiProperty({ description: 'Agents registered with this skill, whatever their status' })
  agentsTotal: number;
  @ApiProperty({ description: 'Queued tasks of this skill (claimable now or after a backoff)' })
  queuedTasks: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Seconds the oldest claimable queued task has waited; null when none is',
  })
  oldestQueuedAgeSeconds: number | null;
}

/** Something accepted that will probably not do what was meant. */
export class WarningDto {
  @ApiProperty({ example: 'steps[1].skill' }) field: string;
  @ApiProperty({
    example: 'no agent has registered skill "reveiw": its tasks wait until one does',
  })
  message: string;
}
