import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BadRequestError } from '../common/errors/domain-error';
import { Scopes } from '../auth/scopes';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../common/pagination';
import { CreateRateLimitDto, RateLimitDto, UpdateRateLimitDto } from './dto/rate-limit.dto';
import { RateLimitRow, RateLimitsService } from './rate-limits.service';
import { WorkflowErrorCode } from './workflows.errors';
import { NoBody } from '../common/validation/no-body';

function rateLimitView(row: RateLimitRow): RateLimitDto {
  return {
    key: row.key,
    perMinute: row.perMinute,
    burst: row.burst,
    // Whole hundredths: the bucket refills continuously, more digits are noise.
    tokens: Math.floor(row.tokens * 100) / 100,
    queued: row.queued,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

@ApiTags('rate-limits')
@Controller('rate-limits')
export class RateLimitsController {
  constructor(private readonly rateLimits: RateLimitsService) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Create a rate limit shared by the fleet (a token bucket)',
    description:
      'Tasks of steps naming it (`rateLimit`) are claimed only while it holds their units; ' +
      'the bucket starts full and refills at perMinute, up to burst, across every replica.',
  })
  @ApiData(RateLimitDto, 201)
  @ApiProblems(400, 409, 422)
  async create(@Body() body: CreateRateLimitDto) {
    return { data: rateLimitView(await this.rateLimits.create(body)) };
  }

  @Get()
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'List rate limits by key' })
  @ApiList('rateLimits', RateLimitDto)
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto) {
    const page = await this.rateLimits.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('rateLimits', { ...page, items: page.items.map(rateLimitView) });
  }

  @Get(':key')
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'A rate limit with the tokens it holds now' })
  @ApiData(RateLimitDto)
  @ApiProblems(404)
  async get(@Param('key') key: string) {
    return { data: rateLimitView(await this.rateLimits.get(key)) };
  }

  @Patch(':key')
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Change the rate or burst of a rate limit (from now on)',
    description:
      'Body {perMinute?, burst?}, at least one (400 otherwise). A smaller burst drops the ' +
      'tokens above it; a higher rate refills faster from now.',
  })
  @ApiData(RateLimitDto)
  @ApiProblems(400, 404)
  async update(@Param('key') key: string, @Body() body: UpdateRateLimitDto) {
    if (body.perMinute === undefined && body.burst === undefined) {
      throw new BadRequestError(WorkflowErrorCode.InvalidRateLimit, 'The change is empty.', [
        { field: 'perMinute', message: 'give at least one of perMinute, burst' },
      ]);
    }
    return { data: rateLimitView(await this.rateLimits.update(key, body)) };
  }

  @Delete(':key')
  @HttpCode(204)
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Delete a rate limit',
    description:
      'Tasks of steps still naming it wait queued until a rate limit of that key exists again.',
  })
  @ApiNoContentResponse({ description: 'Deleted: no body' })
  @ApiProblems(404)
  async delete(@Param('key') key: string, @NoBody() _body: void): Promise<void> {
    await this.rateLimits.delete(key);
  }
}
