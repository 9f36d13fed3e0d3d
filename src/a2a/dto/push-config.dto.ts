import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AsSent } from '../../common/validation/as-sent';
import { QueryInt } from '../../common/query-int';

/** lf.a2a.v1 AuthenticationInfo: how AgentMesh authenticates to the receiver. */
export class AuthenticationInfoDto {
  @ApiProperty({ description: 'HTTP authentication scheme, e.g. "Bearer"', maxLength: 64 })
  scheme: string;

  @ApiPropertyOptional({
    description: 'Sent as "Authorization: <scheme> <credentials>"; never answered back',
    maxLength: 4096,
  })
  credentials?: string;
}

/**
 * lf.a2a.v1 TaskPushNotificationConfig (ProtoJSON). Checked field by field by the A2A module
 * (InvalidParamsError), so every field is taken as sent here.
 */
export class TaskPushNotificationConfigDto {
  @ApiPropertyOptional({ description: 'Ignored: the tenant is the API key’s' })
  @Allow()
  tenant?: string;

  @ApiPropertyOptional({
    description:
      'The config id (1-64 of A-Z a-z 0-9 . _ ~ -); generated when absent. A config id the ' +
      'task already has replaces that config’s URL, token and authentication.',
  })
  @Allow()
  id?: string;

  @ApiPropertyOptional({ description: 'Empty, or the task of the path' })
  @Allow()
  taskId?: string;

  @ApiProperty({
    description:
      'Where the task’s updates are POSTed: http(s), checked as webhook endpoint URLs are ' +
      '(SSRF guard, WEBHOOK_ALLOWED_CIDRS)',
    maxLength: 2048,
  })
  @Allow()
  url: string;

  @ApiPropertyOptional({
    description: 'Sent in the X-A2A-Notification-Token header of every notification',
    maxLength: 512,
  })
  @Allow()
  token?: string;

  @ApiPropertyOptional({ type: AuthenticationInfoDto })
  @Allow()
  @AsSent()
  authentication?: Record<string, unknown>;
}

/** lf.a2a.v1 ListTaskPushNotificationConfigsRequest as query parameters. */
export class ListPushConfigsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;

  @ApiPropertyOptional({ description: 'nextPageToken of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  pageToken?: string;
}
