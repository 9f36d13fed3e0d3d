import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../auth/scopes';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { DEFAULT_PAGE_SIZE, listResponse, PAGE_BYTES_NOTE } from '../common/pagination';
import { ApiProblems } from '../common/openapi/problem-responses';
import {
  AttemptResultDto,
  ClaimDto,
  ClaimResultDto,
  CompleteAndClaimResultDto,
  CompleteDto,
  FailDto,
  LeaseDto,
  LeaseStateDto,
  ProgressDto,
  ProgressStateDto,
} from './dto/task.dto';
import { ProgressService } from './progress.service';
import { SLUG_PATTERN } from './dto/definition.dto';
import { TasksService } from './tasks.service';
import { TaskReader } from './task-reader';
import { AgentTaskDto, TaskDetailDto } from './dto/task-detail.dto';
import { AgentTaskQueryDto } from './dto/run.dto';
import { TaskNotFoundError } from './workflows.errors';
import { UUID_PATTERN } from '../common/ids';
import { NotFoundError } from '../common/errors/domain-error';

@ApiTags('tasks')
@Controller()
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly reader: TaskReader,
    private readonly progressReports: ProgressService,
  ) {}

  @Get('tasks/:id')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: 'One task with its attempts (who ran each, how it ended)',
    description:
      'Also a task a retry of its run replaced, as it ended, with `retiredAt` (the run goes on ' +
      'with a new task for that step).',
  })
  @ApiData(TaskDetailDto)
  @ApiProblems(404)
  async get(@Param('id') id: string) {
    return { data: await this.reader.get(id) };
  }

  @Get('agents/:id/tasks')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: "An agent's recent tasks, latest claim first",
    description:
      'The tasks this agent holds or whose last attempt it ran (a task retried since by ' +
      'another agent is listed there), optionally of one status; keyset pages. 404 when there ' +
      `is no such agent. ${PAGE_BYTES_NOTE}`,
  })
  @ApiList('tasks', AgentTaskDto)
  @ApiProblems(400, 404)
  async ofAgent(@Param('id') agentId: string, @Query() query: AgentTaskQueryDto) {
    return listResponse(
      'tasks',
      await this.reader.ofAgent(
        agentId,
        query.status,
        query.limit ?? DEFAULT_PAGE_SIZE,
        query.cursor,
      ),
    );
  }

  @Post('agents/:id/tasks/claim')
  @HttpCode(200)
  @Scopes('tasks:work')
  @ApiOperation({
    summary: 'Claim tasks for this agent; long-polls up to waitSeconds for work',
    description:
      'Only tasks whose skill the agent has, highest priority then oldest, each with a fresh ' +
      'leaseToken valid for TASK_LEASE_SECONDS (extend it with heartbeat). A claim from an agent ' +
      'marked offline counts as a beat and brings it back online; a draining agent gets 409 ' +
      'agent-draining at once; every waiting claim gets an empty list when the server shuts down. ' +
      'Tasks leased while the client hung up are put back at once; with a claimId, a claim whose ' +
      'answer was lost on its way back can be sent again and answers the same tasks.',
  })
  @ApiData(ClaimResultDto)
  @ApiProblems(400, 404, 409)
  async claim(
    @Param('id') agentId: string,
    @Body() body: ClaimDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!SLUG_PATTERN.test(agentId)) {
      throw new NotFoundError('agent_not_found', `Agent "${agentId.slice(0, 80)}" was not found.`);
    }
    const max = body.max ?? 1;
    const waitSeconds = body.waitSeconds ?? 0;
    const tasks = await this.whileConnected(reply, (signal) =>
      body.claimId === undefined
        ? this.tasks.claim(agentId, max, waitSeconds, signal)
        : this.tasks.claimNamed(agentId, body.claimId, max, waitSeconds, signal),
    );
    return { data: { tasks } };
  }

  /** The client hanging up ends a wait; anything claimed in that instant is put back. */
  private async whileConnected<T>(
    reply: FastifyReply,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const gone = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableEnded) gone.abort();
    };
    reply.raw.once('close', onClose);
    try {
      return await work(gone.signal);
    } finally {
      reply.raw.off('close', onClose);
    }
  }

  @Post('tasks/:id/heartbeat')
  @HttpCode(200)
  @Scopes('tasks:work')
  @ApiOperation({
    summary: 'Extend the lease (holder only: 409 otherwise, and once the lease has expired)',
  })
  @ApiData(LeaseStateDto)
  @ApiProblems(400, 404, 409)
  async heartbeat(@Param('id') id: string, @Body() body: LeaseDto) {
    return { data: await this.tasks.heartbeat(taskId(id), body.leaseToken) };
  }

  @Post('tasks/:id/progress')
  @HttpCode(200)
  @Scopes('tasks:work')
  @ApiOperation({
    summary: 'Report progress (holder only): extends the lease; task.progress in the history',
    description:
      'Coalesced per task: at most one task.progress event per PROGRESS_INTERVAL_MS is ' +
      'written, and the latest report always (at the end of the interval, or before the ' +
      'completion). 409 when not the lease holder, as for heartbeat. `usage` (what was used ' +
      "since the last report) is counted at once, into the run's budget too.",
  })
  @ApiData(ProgressStateDto)
  @ApiProblems(400, 404, 409)
  async progress(@Param('id') id: string, @Body() body: ProgressDto) {
    const { leaseToken, ...report } = body;
    return { data: await this.progressReports.report(taskId(id), leaseToken, report) };
  }

  @Post('tasks/:id/complete')
  @HttpCode(200)
  @Scopes('tasks:work')
  @ApiOperation({
    summary: 'Report success (holder only); the same payload again answers the same',
    description:
      'With claimNext, the next tasks are leased to the agent that held this one once the ' +
      'completion has committed, long-polling up to claimNext.waitSeconds, and the answer is ' +
      '{task: <attempt result>, next: {tasks}}; without it, the attempt result alone. A repeat ' +
      'answers the tasks the first one leased while the agent still holds them (a lost answer ' +
      'strands nothing), and claims anew only when it holds none. `usage` ' +
      "is summed into the task's, the run's and the tenant's usage; a run it takes over its " +
      'budget turns budget_exceeded (this task stays succeeded).',
  })
  @ApiExtraModels(AttemptResultDto, CompleteAndClaimResultDto)
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['data'],
      properties: {
        data: {
          oneOf: [
            { $ref: getSchemaPath(AttemptResultDto) },
            { $ref: getSchemaPath(CompleteAndClaimResultDto) },
          ],
        },
      },
    },
  })
  @ApiProblems(400, 404, 409)
  async complete(
    @Param('id') id: string,
    @Body() body: CompleteDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!body.claimNext) {
      return {
        data: await this.tasks.complete(taskId(id), body.leaseToken, body.output, body.usage),
      };
    }
    const { max, waitSeconds } = body.claimNext;
    return {
      data: await this.whileConnected(reply, (signal) =>
        this.tasks.completeAndClaimNext(
          taskId(id),
          body.leaseToken,
          body.output,
          { max: max ?? 1, waitSeconds: waitSeconds ?? 0 },
          signal,
          body.usage,
        ),
      ),
    };
  }

  @Post('tasks/:id/fail')
  @HttpCode(200)
  @Scopes('tasks:work')
  @ApiOperation({
    summary: 'Report failure (holder only); retried after its backoff while attempts are left',
  })
  @ApiData(AttemptResultDto)
  @ApiProblems(400, 404, 409)
  async fail(@Param('id') id: string, @Body() body: FailDto) {
    const error = {
      message: body.error.message,
      ...(body.error.code ? { code: body.error.code } : {}),
    };
    return {
      data: await this.tasks.fail(taskId(id), body.leaseToken, error, body.retryable ?? true),
    };
  }
}

function taskId(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new TaskNotFoundError(id.slice(0, 80));
  return id;
}
