import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/scopes';
import { ApiList } from '../../common/openapi/envelope';
import { ApiProblems } from '../../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse } from '../../common/pagination';
import { UsageGroupDto, UsageQueryDto } from '../dto/usage.dto';
import { UsageReportService } from './usage-report.service';

@ApiTags('usage')
@Controller('usage')
export class UsageController {
  constructor(private readonly usage: UsageReportService) {}

  @Get()
  @Scopes('workflows:read')
  @ApiOperation({
    summary: "The tenant's usage (tokens, dollars) over a period, summed per group",
    description:
      'Sums what agents reported with completions and progress, from `from` (inclusive, ' +
      'default 30 days before `to`) until `to` (exclusive, default now), at most 366 days, ' +
      'grouped by `groupBy`: day (UTC date, the default), definition, agent, skill or model; ' +
      '`workflowId` narrows it to one run. Groups come in key order, a page at a time.',
  })
  @ApiList('usage', UsageGroupDto)
  @ApiProblems(400)
  async report(@Query() query: UsageQueryDto) {
    const page = await this.usage.report(query, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('usage', page);
  }
}
