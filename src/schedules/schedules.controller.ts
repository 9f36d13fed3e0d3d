import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../common/pagination';
import { fireTimes } from './cron';
import {
  CreateScheduleDto,
  ScheduleDetailDto,
  ScheduleDto,
  UpdateScheduleDto,
} from './dto/schedule.dto';
import type { ScheduleRow } from './schedule-rows';
import { SchedulesService } from './schedules.service';
import { NoBody } from '../common/validation/no-body';

const iso = (value: Date | null): string | null =>
  value === null ? null : new Date(value).toISOString();

function scheduleView(schedule: ScheduleRow): ScheduleDto {
  return {
    key: schedule.key,
    definitionKey: schedule.definitionKey,
    cron: schedule.cron,
    timezone: schedule.timezone,
    input: schedule.input,
    overlap: schedule.overlap,
    enabled: schedule.enabled,
    nextFireAt: iso(schedule.nextFireAt),
    lastFiredAt: iso(schedule.lastFiredAt),
    lastRunId: schedule.lastRunId,
    createdAt: iso(schedule.createdAt)!,
    updatedAt: iso(schedule.updatedAt)!,
  };
}

/**
 * The next five ticks, the first being `nextFireAt`: a tick that is due but not fired yet (the
 * runner polls, or every replica was down) still fires, once, and the ones after it come from
 * now on (missed ticks are not caught up one by one).
 */
function scheduleDetailView(schedule: ScheduleRow): ScheduleDetailDto {
  if (!schedule.enabled) return { ...scheduleView(schedule), nextFireTimes: [] };
  const now = new Date();
  const due = schedule.nextFireAt && schedule.nextFireAt <= now ? [schedule.nextFireAt] : [];
  const upcoming = [...due, ...fireTimes(schedule.cron, schedule.timezone, now, 5 - due.length)];
  return { ...scheduleView(schedule), nextFireTimes: upcoming.map((at) => at.toISOString()) };
}

@ApiTags('schedules')
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: "Create a cron schedule that starts runs of a definition's latest version",
    description:
      'One run per tick across any number of replicas; ticks missed while every replica was ' +
      'down fire once on recovery. Each tick emits schedule.fired.',
  })
  @ApiData(ScheduleDetailDto, 201)
  @ApiProblems(400, 404, 409, 422)
  async create(@Body() body: CreateScheduleDto) {
    return { data: scheduleDetailView(await this.schedules.create(body)) };
  }

  @Get()
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'List schedules by key' })
  @ApiList('schedules', ScheduleDto)
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto) {
    const page = await this.schedules.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('schedules', { ...page, items: page.items.map(scheduleView) });
  }

  @Get(':key')
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'A schedule with its next five fire times' })
  @ApiData(ScheduleDetailDto)
  @ApiProblems(404)
  async get(@Param('key') key: string) {
    return { data: scheduleDetailView(await this.schedules.get(key)) };
  }

  @Patch(':key')
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Change a schedule',
    description:
      'A new cron or timezone, or enabling it, sets its next tick from now. Enabling a schedule ' +
      'with no tick left (a one-shot that fired) is 409 schedule-exhausted.',
  })
  @ApiData(ScheduleDetailDto)
  @ApiProblems(400, 404, 409)
  async update(@Param('key') key: string, @Body() body: UpdateScheduleDto) {
    return { data: scheduleDetailView(await this.schedules.update(key, body)) };
  }

  @Delete(':key')
  @HttpCode(204)
  @Scopes('workflows:write')
  @ApiOperation({ summary: 'Delete a schedule (its runs stay)' })
  @ApiNoContentResponse({ description: 'Deleted (its runs are not touched): no body' })
  @ApiProblems(404)
  async delete(@Param('key') key: string, @NoBody() _body: void): Promise<void> {
    await this.schedules.delete(key);
  }

  @Post(':key/pause')
  @HttpCode(200)
  @Scopes('workflows:write')
  @ApiOperation({ summary: 'Pause a schedule: no tick fires until it is resumed' })
  @ApiData(ScheduleDetailDto)
  @ApiProblems(404)
  async pause(@Param('key') key: string, @NoBody() _body: void) {
    return { data: scheduleDetailView(await this.schedules.pause(key)) };
  }

  @Post(':key/resume')
  @HttpCode(200)
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Resume a schedule from its next tick after now',
    description: 'A schedule with no tick left (a one-shot that fired) is 409 schedule-exhausted.',
  })
  @ApiData(ScheduleDetailDto)
  @ApiProblems(404, 409)
  async resume(@Param('key') key: string, @NoBody() _body: void) {
    return { data: scheduleDetailView(await this.schedules.resume(key)) };
  }
}
