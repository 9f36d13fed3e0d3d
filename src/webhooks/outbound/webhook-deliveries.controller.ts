import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/scopes';
import { ApiData, ApiList } from '../../common/openapi/envelope';
import { ApiProblems } from '../../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse } from '../../common/pagination';
import { ParseIdPipe } from '../../common/pipes';
import { SummaryQueryDto } from '../../common/summary/summary-query.dto';
import { DeliverySummaryService } from './delivery-summary.service';
import { DeliverySummaryDto } from './dto/delivery-summary.dto';
import { DeliveryDetailDto, DeliveryDto, DeliveryQueryDto } from './dto/delivery.dto';
import { DeliveryDetail, WebhookDeliveriesService } from './webhook-deliveries.service';
import { NoBody } from '../../common/validation/no-body';

@ApiTags('webhooks')
@Scopes('webhooks:admin')
@Controller('webhooks/deliveries')
export class WebhookDeliveriesController {
  constructor(
    private readonly deliveries: WebhookDeliveriesService,
    private readonly summaries: DeliverySummaryService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries, newest first; filter by endpoint, status, event type' })
  @ApiList('deliveries', DeliveryDto)
  @ApiProblems(400)
  async list(@Query() query: DeliveryQueryDto) {
    const page = await this.deliveries.list(query, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('deliveries', { ...page, items: page.items.map(DeliveryDto.from) });
  }

  @Get('summary')
  @ApiOperation({
    summary: 'Exact counts of deliveries created since a time, by status',
    description:
      'Counts every delivery of the tenant created since `since`, by its status now. `since` ' +
      'is required, ISO 8601 with a zone, not in the future and at most 31 days ago (else 400). ' +
      'Served by an index on the creation time, and by the read replica when one is current.',
  })
  @ApiData(DeliverySummaryDto)
  @ApiProblems(400)
  async summary(@Query() query: SummaryQueryDto): Promise<{ data: DeliverySummaryDto }> {
    return { data: await this.summaries.summary(query.since) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A delivery with its payload and every attempt' })
  @ApiData(DeliveryDetailDto)
  @ApiProblems(404)
  async get(@Param('id', ParseIdPipe) id: string): Promise<{ data: DeliveryDetailDto }> {
    return { data: detail(await this.deliveries.get(id)) };
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send it again now (one more attempt when it was dead or succeeded)',
  })
  @ApiData(DeliveryDetailDto, 202)
  @ApiProblems(404, 409)
  async retry(
    @Param('id', ParseIdPipe) id: string,
    @NoBody() _body: void,
  ): Promise<{ data: DeliveryDetailDto }> {
    return { data: detail(await this.deliveries.retry(id)) };
  }
}

function detail(row: DeliveryDetail): DeliveryDetailDto {
  return { ...DeliveryDto.from(row), payload: row.payload, attempts: row.attempts };
}
