import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../auth/scopes';
import { currentTenantId } from '../common/context/request-context';
import { ApiProblems } from '../common/openapi/problem-responses';
import { RunsService } from '../workflows/runs.service';
import { EventStreamQueryDto, POSITION_PATTERN, ResumeQueryDto } from './dto/stream-query.dto';
import { hijackForStream, SseStream } from './sse-stream';
import { StreamsService, tenantFilter } from './streams.service';
import { InvalidLastEventIdError } from './streams.errors';

const FINISHED = ['succeeded', 'failed', 'cancelled'];

const SSE_RESPONSE = {
  description:
    'text/event-stream: one event per committed domain event (`id:` its position, `event:` ' +
    'its type, `data:` JSON {id, position, type, occurredAt, subject, data, correlationId}), ' +
    'in position order; `: keepalive` comments while idle. Resume after a dropped connection ' +
    'with the Last-Event-ID header: nothing is lost or repeated.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

const LAST_EVENT_ID = ApiHeader({
  name: 'Last-Event-ID',
  required: false,
  description: 'Resume after this event (the `id:` of the last event received)',
});

@ApiTags('streams')
@Controller()
export class StreamsController {
  constructor(
    private readonly streams: StreamsService,
    private readonly runs: RunsService,
  ) {}

  @Get('workflows/:id/stream')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: 'Live stream (SSE) of a run: its history, then its events as they commit',
    description: "Ends after the run's terminal event (at once if the client has seen it).",
  })
  @ApiProduces('text/event-stream')
  @LAST_EVENT_ID
  @ApiOkResponse(SSE_RESPONSE)
  @ApiProblems(400, 404)
  async runStream(
    @Param('id') id: string,
    @Query() query: ResumeQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = (await this.resumeAfter(resumeId(lastEventId, query.lastEventId))) ?? 0n;
    const { run } = await this.runs.get(id);
    await this.streams.serveRun(
      () => this.open(reply),
      currentTenantId(),
      run.id,
      after,
      FINISHED.includes(run.status),
    );
  }

  @Get('events/stream')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: "Live stream (SSE) of the tenant's domain events as they commit",
    description:
      'Without Last-Event-ID, from now on; with it, everything after that event first. ' +
      'Filtered by type patterns and by run.',
  })
  @ApiProduces('text/event-stream')
  @LAST_EVENT_ID
  @ApiOkResponse(SSE_RESPONSE)
  @ApiProblems(400, 404)
  async tenantStream(
    @Query() query: EventStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = await this.resumeAfter(resumeId(lastEventId, query.lastEventId));
    const types = query.types ? query.types.split(',') : [];
    const workflowId = query.workflowId?.toLowerCase();
    // A run the tenant does not have is a 404, as on the run's own stream.
    if (workflowId !== undefined) await this.runs.get(workflowId);
    const accepts = tenantFilter(types, workflowId);
    await this.streams.serve(() => this.open(reply), {
      tenantId: currentTenantId(),
      after,
      accepts,
      isLast: () => false,
    });
  }

  /**
   * Where a stream resumes: after the event its client saw last. An id past every event there
   * is cannot be one this service sent (positions only grow, and only committed events are
   * sent): a 400, instead of a stream that would wait for an event it can never recognise.
   */
  private async resumeAfter(header: string | undefined): Promise<bigint | undefined> {
    const after = position(header);
    if (after === undefined) return undefined;
    const newest = await this.streams.newestPosition();
    if (after > newest) throw new InvalidLastEventIdError({ id: after, newest });
    return after;
  }

  /** A live stream on the response, which the route takes over from Fastify. */
  private open(reply: FastifyReply): SseStream {
    return new SseStream(reply.raw, hijackForStream(reply), this.streams.streamOptions);
  }
}

/**
 * The id to resume after: the header's, unless it is empty (what EventSource means by no id),
 * then the query's.
 */
function resumeId(header: string | undefined, query: string | undefined): string | undefined {
  return header !== undefined && header.trim() !== '' ? header : query;
}

function position(header: string | undefined): bigint | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (!POSITION_PATTERN.test(header.trim())) throw new InvalidLastEventIdError();
  return BigInt(header.trim());
}
