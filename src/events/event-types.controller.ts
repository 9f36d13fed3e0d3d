import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import {
  badCursor,
  decodeCursor,
  listResponse,
  MAX_PAGE_SIZE,
  toPage,
  WholeListQueryDto,
} from '../common/pagination';
import { EVENT_CATALOGUE } from './event-catalogue';

export class EventTypeDto {
  @ApiProperty({ example: 'workflow.succeeded' }) type: string;
  @ApiProperty() description: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'JSON Schema (2020-12) of the event’s `data`',
  })
  schema: Record<string, unknown>;
  @ApiPropertyOptional({
    description: 'true: a family (`inbound.*`) whose last segments are chosen at run time',
  })
  family?: boolean;
}

/** The catalogue of domain event types: what webhooks and streams may carry. */
@ApiTags('events')
@Controller('event-types')
export class EventTypesController {
  @Get()
  @Scopes('webhooks:admin', 'workflows:read', 'agents:read')
  @ApiOperation({
    summary: 'Every event type with a description and the JSON Schema of its data',
    description:
      'Webhook endpoints subscribe with patterns (`*`, `a.b`, `a.*`) that must match at least ' +
      'one of these. The list is short and fixed by the service version: one page unless ' +
      '`limit` says less.',
  })
  @ApiList('eventTypes', EventTypeDto)
  @ApiProblems(400)
  list(@Query() query: WholeListQueryDto) {
    // The catalogue's order (families together); a cursor names the last type of its page.
    const [after] = decodeCursor(query.cursor, ['string']) ?? [];
    const start = after === undefined ? 0 : EVENT_CATALOGUE.findIndex((e) => e.type === after) + 1;
    if (start === 0 && after !== undefined) throw badCursor();
    const limit = query.limit ?? MAX_PAGE_SIZE;
    const eventTypes: EventTypeDto[] = EVENT_CATALOGUE.slice(start, start + limit + 1).map(
      (entry) => ({
        type: entry.type,
        description: entry.description,
        schema: entry.schema,
        ...(entry.family ? { family: true } : {}),
      }),
    );
    return listResponse(
      'eventTypes',
      toPage(eventTypes, limit, (entry) => [entry.type]),
    );
  }
}
