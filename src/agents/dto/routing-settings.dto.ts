import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MayOmit } from '../../common/validation/may-omit';

/** A tenant's quarantine and outcome-routing policy (GET, PATCH /routing/settings). */
export class RoutingSettingsDto {
  @ApiProperty({
    example: 0.2,
    description:
      'An agent whose Wilson lower bound (95%) of its success rate for a skill, over its ' +
      'latest outcomes for it, falls under this is quarantined from that skill (deferred ' +
      'while no other agent can take the skill); 0: quarantine off. Default 0.2',
  })
  quarantineThreshold: number;

  @ApiProperty({ example: 20, description: 'Outcomes needed before an agent can be quarantined' })
  quarantineMinSamples: number;

  @ApiProperty({
    example: 50,
    description:
      "How many of an agent's latest outcomes for a skill are kept: what quarantine and " +
      'outcome routing judge it by (at least quarantineMinSamples)',
  })
  outcomeWindow: number;

  @ApiProperty({ example: 900, description: 'How long a quarantine lasts' })
  quarantineCooldownSeconds: number;

  @ApiProperty({
    example: 1000,
    description:
      'How long an outcome-routed task waits for the agent it was drawn for before any agent ' +
      'with the skill may claim it',
  })
  reservationMs: number;

  @ApiPropertyOptional({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'null: never changed (the defaults)',
  })
  updatedAt: string | null;
}

export class UpdateRoutingSettingsDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 0.999, description: '0 turns quarantine off' })
  @MayOmit()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.999)
  quarantineThreshold?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @MayOmit()
  @IsInt()
  @Min(1)
  @Max(1000)
  quarantineMinSamples?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @MayOmit()
  @IsInt()
  @Min(1)
  @Max(1000)
  outcomeWindow?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 2_592_000, description: 'At most 30 days' })
  @MayOmit()
  @IsInt()
  @Min(1)
  @Max(2_592_000)
  quarantineCooldownSeconds?: number;

  @ApiPropertyOptional({ minimum: 50, maximum: 60_000 })
  @MayOmit()
  @IsInt()
  @Min(50)
  @Max(60_000)
  reservationMs?: number;
}

export class ReleaseAgentDto {
  @ApiPropertyOptional({
    example: 'code-review',
    description: 'The skill (id) to release; absent: every skill the agent is quarantined from',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  skill?: string;
}

export class ReleasedDto {
  @ApiProperty() agentId: string;
  @ApiProperty({
    type: [String],
    description: 'The skills whose quarantine or deferred quarantine ended (empty: none was held)',
  })
  released: string[];
}
