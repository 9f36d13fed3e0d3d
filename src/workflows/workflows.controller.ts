import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import {
  DEFAULT_PAGE_SIZE,
  listResponse,
  PAGE_BYTES_NOTE,
  PageQueryDto,
} from '../common/pagination';
import { SummaryQueryDto } from '../common/summary/summary-query.dto';
import {
  CancelledRunsDto,
  ElementQueryDto,
  FanOutTaskViewDto,
  CancelRunsDto,
  CreateRunDto,
  RunDetailDto,
  RunDto,
  RunQueryDto,
  WorkflowEventDto,
} from './dto/run.dto';
import { RunSummaryDto } from './dto/run-summary.dto';
import { RunSummaryService } from './run-summary.service';
import { RunsService } from './runs.service';
import { SkillsService } from './skills.service';
import { ApiDataWithWarnings, withWarnings } from './warnings';
import { elementView, runDetailView, runView } from './views';
import { BadRequestError } from '../common/errors/domain-error';
import { BudgetDto } from './dto/usage.dto';
import { BudgetsService } from './usage/budgets.service';
import { BUDGET_LIMITS } from './usage/usage';
import { WorkflowErrorCode } from './workflows.errors';
import { NoBody } from '../common/validation/no-body';

@ApiTags('workflows')
@Controller('workflows')
export class WorkflowsController {
  constructor(
    private readonly runs: RunsService,
    private readonly skills: SkillsService,
    private readonly summaries: RunSummaryService,
    private readonly budgets: BudgetsService,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Start a run from a definition or from inline steps',
    description:
      'Body: {definitionKey, definitionVersion?, input?, priority?, startAt?, budget?} or inline {type, steps, input?, priority?, startAt?, budget?}. ' +
      'Each task gets as input {input: <run input>, dependencies: {<stepKey>: <output>}}; a ' +
      'forEach step runs one task per element (at most 1000), whose input adds {item, index}, ' +
      'and its output is the array of their outputs in element order. A step ' +
      'whose skill no agent has ever registered is accepted with a `warnings` entry naming it. ' +
      'With startAt in the future the run waits `scheduled` (no task claimable) until then. ' +
      'With budget {tokens?, costUsd?, wallSeconds?} the run turns budget_exceeded once the ' +
      'usage its agents report (or its running time) passes it: no new task is dispatched ' +
      'until POST /workflows/{id}/budget raises it.',
  })
  @ApiDataWithWarnings(RunDetailDto, 201)
  @ApiProblems(400, 404, 409, 422)
  async start(@Body() body: CreateRunDto) {
    const detail = await this.runs.start(body);
    const warnings = await this.skills.unknownSkillWarnings(detail.run.steps);
    return withWarnings(runDetailView(detail), warnings);
  }

  @Post('cancel')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Cancel every unfinished run matching the filters (at least one), in batches',
    description:
      'Each batch of runs is cancelled in its own transaction, each run as a single cancel ' +
      'would be (its audit entries and events). Answers how many runs were cancelled.',
  })
  @ApiData(CancelledRunsDto)
  @ApiProblems(400, 422)
  async cancelMatching(@Body() body: CancelRunsDto) {
    return { data: { cancelled: await this.runs.cancelMatching(body) } };
  }

  @Get()
  @Scopes('workflows:read')
  @ApiOperation({
    summary: 'List runs, newest first, by status and type',
    description: `At most \`limit\` runs a page. ${PAGE_BYTES_NOTE}`,
  })
  @ApiList('workflows', RunDto)
  @ApiProblems(400)
  async list(@Query() query: RunQueryDto) {
    const page = await this.runs.list(query, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('workflows', { ...page, items: page.items.map(runView) });
  }

  @Get('summary')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: 'Exact counts of runs created and finished since a time, by status',
    description:
      'Counts every run of the tenant, not a page of them: runs created since `since` by their ' +
      'status now, and runs that finished since `since` by outcome. `since` is required, ISO ' +
      '8601 with a zone, not in the future and at most 31 days ago (else 400). Served by ' +
      'indexes on the creation and finish times, and by the read replica when one is current.',
  })
  @ApiData(RunSummaryDto)
  @ApiProblems(400)
  async summary(@Query() query: SummaryQueryDto) {
    return { data: await this.summaries.summary(query.since) };
  }

  @Get(':id')
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'A run with its steps and their tasks' })
  @ApiData(RunDetailDto)
  @ApiProblems(404)
  async get(@Param('id') id: string) {
    return { data: runDetailView(await this.runs.get(id)) };
  }

  @Get(':id/events')
  @Scopes('workflows:read')
  @ApiOperation({ summary: "The run's history (workflow.* and task.* events), oldest first" })
  @ApiList('events', WorkflowEventDto)
  @ApiProblems(400, 404)
  async events(@Param('id') id: string, @Query() query: PageQueryDto) {
    const page = await this.runs.history(id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('events', {
      ...page,
      items: page.items.map((event) => ({
        id: event.id,
        type: event.type,
        occurredAt: new Date(event.occurredAt).toISOString(),
        data: event.data,
        correlationId: event.correlationId,
      })),
    });
  }

  @Get(':id/steps/:stepKey/elements')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: "A fan-out step's element tasks, by index",
    description:
      'Every element task of a forEach step (the run view shows at most 20), in index order, ' +
      'optionally of one status. 404 when the run has no forEach step of that key. ' +
      PAGE_BYTES_NOTE,
  })
  @ApiList('elements', FanOutTaskViewDto)
  @ApiProblems(400, 404)
  async elements(
    @Param('id') id: string,
    @Param('stepKey') stepKey: string,
    @Query() query: ElementQueryDto,
  ) {
    const page = await this.runs.elementsOf(
      id,
      stepKey,
      query.status,
      query.limit ?? DEFAULT_PAGE_SIZE,
      query.cursor,
    );
    return listResponse('elements', { ...page, items: page.items.map(elementView) });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Cancel a run: queued and claimed tasks are cancelled; their holders get 409 next',
  })
  @ApiData(RunDetailDto)
  @ApiProblems(404, 409, 422)
  async cancel(@Param('id') id: string, @NoBody() _body: void) {
    return { data: runDetailView(await this.runs.cancel(id)) };
  }

  @Post(':id/budget')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: "Set a run's budget; a budget_exceeded run runs again",
    description:
      'Body {tokens?, costUsd?, wallSeconds?}, at least one: the limits given replace the ' +
      "run's, the others are kept. A budget_exceeded run turns running and its held tasks are " +
      'queued again. 409 budget-below-usage (nothing changes) when the run has already used ' +
      'more than the new budget allows (tokens: input + output; wallSeconds: seconds since it ' +
      'started running), 409 when the run has finished. Audited; workflow.budget.changed.',
  })
  @ApiData(RunDetailDto)
  @ApiProblems(400, 404, 409, 422)
  async budget(@Param('id') id: string, @Body() body: BudgetDto) {
    if (BUDGET_LIMITS.every((limit) => body[limit] === undefined)) {
      throw new BadRequestError(WorkflowErrorCode.InvalidRun, 'The budget is empty.', [
        { field: 'tokens', message: 'give at least one of tokens, costUsd, wallSeconds' },
      ]);
    }
    await this.budgets.setBudget(id, {
      ...(body.tokens !== undefined ? { tokens: body.tokens } : {}),
      ...(body.costUsd !== undefined ? { costUsd: body.costUsd } : {}),
      ...(body.wallSeconds !== undefined ? { wallSeconds: body.wallSeconds } : {}),
    });
    return { data: runDetailView(await this.runs.get(id)) };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Retry a failed run: its steps that did not succeed run again; outputs are kept',
    description:
      'The failed step and the steps cancelled because of it are queued again from attempt 1 ' +
      '(as their dependencies allow); succeeded steps keep their outputs. A fan-out step runs ' +
      'again only its elements that did not succeed (same element and index). The run is ' +
      'running again. 409 when the run did not fail; 422 `run-value-too-large` when the ' +
      "outputs it keeps make a value larger than PostgreSQL stores (the run's error said so): " +
      'nothing changes.',
  })
  @ApiData(RunDetailDto)
  @ApiProblems(404, 409, 422)
  async retry(@Param('id') id: string, @NoBody() _body: void) {
    return { data: runDetailView(await this.runs.retry(id)) };
  }
}
