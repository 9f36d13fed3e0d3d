import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../auth/scopes';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { currentTenantId } from '../common/context/request-context';
import { ApiProblems } from '../common/openapi/problem-responses';
import { MethodNotAllowedError } from '../common/errors/domain-error';
import { hijackForStream } from '../streams/sse-stream';
import { StreamsService } from '../streams/streams.service';
import { A2aTaskNotFoundError, A2aUnsupportedOperationError } from './a2a.errors';
import { A2aParamsInterceptor } from './a2a-params.interceptor';
import { A2aService } from './a2a.service';
import {
  A2A_PUSH_CONFIG_LIST_SCHEMA,
  A2A_PUSH_CONFIG_SCHEMA,
  A2A_TASK_LIST_SCHEMA,
  A2A_TASK_SCHEMA,
} from './openapi-schemas';
import { A2aTask, TERMINAL_STATES } from './a2a-task';
import { A2aTaskStream } from './a2a-task-stream';
import { GetTaskQueryDto, ListTasksQueryDto } from './dto/list-tasks.dto';
import { ListPushConfigsQueryDto, TaskPushNotificationConfigDto } from './dto/push-config.dto';
import { A2aPushService } from './push/a2a-push.service';
import { PUSH_SECRET_HEADER } from './push/push-config';
import { SendMessageRequestDto } from './dto/send-message.dto';
import { A2A_BASE_PATH } from './service-card';

const CANCEL_SUFFIX = ':cancel';
const SUBSCRIBE_SUFFIX = ':subscribe';

const STREAM_RESPONSE = {
  description:
    'text/event-stream of A2A StreamResponse objects (`data:` one JSON line each): the Task ' +
    'first, then a statusUpdate (TaskStatusUpdateEvent) at each change of state or status ' +
    'message, an artifactUpdate with the output before the completed status, and the end of ' +
    'the stream at a terminal state; `: keepalive` comments while idle.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

/**
 * The A2A 1.0 HTTP+JSON binding (lf.a2a.v1 A2AService) over runs: a task is a run of the
 * workflow definition the message names as its skill. Bodies are ProtoJSON, not enveloped.
 */
@ApiTags('a2a')
@Controller(A2A_BASE_PATH)
@UseInterceptors(A2aParamsInterceptor)
export class A2aController {
  constructor(
    private readonly a2a: A2aService,
    private readonly streams: StreamsService,
    private readonly push: A2aPushService,
  ) {}

  @Post('message::send')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'A2A SendMessage: start a run of the skill (definition key) as a task',
    description:
      'message.metadata.skillId names the workflow definition; the first data part’s data is ' +
      'the run input (text parts become {text}). Answers {task} once the task is terminal or ' +
      'input-required (at most A2A_SEND_WAIT_SECONDS, then as it is), or at once, submitted, ' +
      'with configuration.returnImmediately.',
  })
  @ApiBody({ type: SendMessageRequestDto })
  @ApiOkResponse({
    description: 'A SendMessageResponse: {task}',
    schema: { type: 'object', required: ['task'], properties: { task: A2A_TASK_SCHEMA } },
  })
  @ApiProblems(400)
  async send(@Body() body: SendMessageRequestDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { task, pushSecret } = await this.a2a.send(body);
    if (pushSecret) showSecret(reply, pushSecret);
    return { task };
  }

  @Post('message::stream')
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'A2A SendStreamingMessage: start a run as a task and stream its updates (SSE)',
  })
  @ApiBody({ type: SendMessageRequestDto })
  @ApiProduces('text/event-stream')
  @ApiOkResponse(STREAM_RESPONSE)
  @ApiProblems(400)
  async stream(@Body() body: SendMessageRequestDto, @Res() reply: FastifyReply): Promise<void> {
    const { task, pushSecret } = await this.a2a.start(body);
    if (pushSecret) showSecret(reply, pushSecret);
    await this.serve(reply, task);
  }

  @Get('tasks')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: 'A2A ListTasks: the tenant’s runs as tasks, newest first',
    description:
      'Answers {tasks, nextPageToken, pageSize, totalSize}; artifacts only with ' +
      'includeArtifacts=true.',
  })
  @ApiOkResponse({ description: 'A ListTasksResponse', schema: A2A_TASK_LIST_SCHEMA })
  @ApiProblems(400)
  async list(@Query() query: ListTasksQueryDto) {
    return this.a2a.list(query);
  }

  @Get('tasks/:id')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: 'A2A GetTask: the run as a Task; tasks/{id}:subscribe streams it (SSE)',
    description:
      'GET tasks/{id}:subscribe (SubscribeToTask) answers text/event-stream as message:stream ' +
      'does, from the task as it is now; a task in a terminal state is refused ' +
      '(UnsupportedOperationError).',
  })
  @ApiParam({ name: 'id', description: 'The task id (the run id), or {id}:subscribe' })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({
    description: `The Task; for {id}:subscribe, ${STREAM_RESPONSE.description}`,
    content: {
      'application/json': { schema: A2A_TASK_SCHEMA },
      ...STREAM_RESPONSE.content,
    },
  })
  @ApiProblems(400, 404)
  async get(
    @Param('id') id: string,
    // Judged (an unknown or malformed parameter is InvalidParamsError), not used.
    @Query() _query: GetTaskQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Custom methods share the path segment with the id (AIP-136); the router sees one param.
    if (id.endsWith(CANCEL_SUFFIX)) throw wrongMethod(`tasks/{id}${CANCEL_SUFFIX}`, 'POST');
    if (!id.endsWith(SUBSCRIBE_SUFFIX)) {
      await reply.send(await this.a2a.get(id));
      return;
    }
    const task = await this.a2a.get(id.slice(0, -SUBSCRIBE_SUFFIX.length));
    if (TERMINAL_STATES.includes(task.status.state)) {
      throw new A2aUnsupportedOperationError(
        `Task "${task.id}" is ${task.status.state}: a terminal task has no updates to stream.`,
      );
    }
    await this.serve(reply, task);
  }

  @Post('tasks/:idAndVerb')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'A2A CancelTask: POST tasks/{id}:cancel cancels the run and answers the Task',
  })
  @ApiParam({ name: 'idAndVerb', description: '{id}:cancel' })
  @ApiOkResponse({ description: 'The Task, cancelled', schema: A2A_TASK_SCHEMA })
  @ApiProblems(404, 409)
  async cancel(@Param('idAndVerb') idAndVerb: string) {
    if (idAndVerb.endsWith(SUBSCRIBE_SUFFIX))
      throw wrongMethod(`tasks/{id}${SUBSCRIBE_SUFFIX}`, 'GET');
    if (!idAndVerb.includes(':')) throw wrongMethod('tasks/{id}', 'GET');
    if (!idAndVerb.endsWith(CANCEL_SUFFIX)) throw new A2aTaskNotFoundError(idAndVerb);
    return this.a2a.cancel(idAndVerb.slice(0, -CANCEL_SUFFIX.length));
  }

  @Post('tasks/:id/pushNotificationConfigs')
  @HttpCode(200)
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'A2A CreateTaskPushNotificationConfig: POST the task’s updates to a URL',
    description:
      'Answers the TaskPushNotificationConfig (never its credentials). From now on, each change ' +
      'of the task’s status is POSTed to the URL as the StreamResponse objects message:stream ' +
      'sends (artifactUpdate, then statusUpdate), one at a time in order, signed as webhooks ' +
      'are (webhook-id, webhook-timestamp, webhook-signature) with the secret in the ' +
      'Webhook-Secret response header, with the token in X-A2A-Notification-Token and ' +
      'authentication as Authorization. The config goes once the terminal update is delivered.',
  })
  @ApiParam({ name: 'id', description: 'The task id (the run id)' })
  @ApiBody({ type: TaskPushNotificationConfigDto })
  @ApiOkResponse({
    description: 'The config; its signing secret in the Webhook-Secret header, shown once',
    schema: A2A_PUSH_CONFIG_SCHEMA,
  })
  @ApiProblems(400, 404)
  async createPushConfig(
    @Param('id') id: string,
    @Body() body: TaskPushNotificationConfigDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { config, secret } = await this.push.create(id, body);
    showSecret(reply, secret);
    return config;
  }

  @Get('tasks/:id/pushNotificationConfigs')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: 'A2A ListTaskPushNotificationConfigs: {configs, nextPageToken}, oldest first',
  })
  @ApiParam({ name: 'id', description: 'The task id (the run id)' })
  @ApiOkResponse({ description: 'The configs', schema: A2A_PUSH_CONFIG_LIST_SCHEMA })
  @ApiProblems(400, 404)
  async listPushConfigs(@Param('id') id: string, @Query() query: ListPushConfigsQueryDto) {
    return this.push.list(id, query.pageSize ?? 50, query.pageToken);
  }

  @Get('tasks/:id/pushNotificationConfigs/:configId')
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'A2A GetTaskPushNotificationConfig' })
  @ApiParam({ name: 'id', description: 'The task id (the run id)' })
  @ApiParam({ name: 'configId', description: 'The config id' })
  @ApiOkResponse({ description: 'The config', schema: A2A_PUSH_CONFIG_SCHEMA })
  @ApiProblems(404)
  async getPushConfig(@Param('id') id: string, @Param('configId') configId: string) {
    return this.push.get(id, configId);
  }

  @Delete('tasks/:id/pushNotificationConfigs/:configId')
  @HttpCode(200)
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'A2A DeleteTaskPushNotificationConfig: answers {} (google.protobuf.Empty)',
    description: 'Updates not yet delivered to the config are dropped with it.',
  })
  @ApiParam({ name: 'id', description: 'The task id (the run id)' })
  @ApiParam({ name: 'configId', description: 'The config id' })
  @ApiOkResponse({ description: '{}', schema: { type: 'object' } })
  @ApiProblems(404)
  async deletePushConfig(@Param('id') id: string, @Param('configId') configId: string) {
    await this.push.delete(id, configId);
    return {};
  }

  /** Takes the response over from Fastify and streams the task. */
  private async serve(reply: FastifyReply, task: A2aTask): Promise<void> {
    const tenantId = currentTenantId();
    const stream = new A2aTaskStream(
      reply.raw,
      hijackForStream(reply),
      this.streams.streamOptions,
      task,
      () => this.a2a.get(task.id),
    );
    if (!stream.isOpen) return;
    // The run's whole history: a change between the first read and going live is not missed.
    await this.streams.serveRun(() => stream, tenantId, task.id, 0n, false);
  }
}

/** A push config's signing secret, in an answer no cache may store. */
function showSecret(reply: FastifyReply, secret: string): void {
  void reply.header(PUSH_SECRET_HEADER, secret).header('cache-control', 'no-store');
}

/** A task's path or custom method asked with a method it does not answer: 405 with Allow. */
function wrongMethod(path: string, allow: string): MethodNotAllowedError {
  return new MethodNotAllowedError(`${path} answers ${allow} only.`, allow);
}
