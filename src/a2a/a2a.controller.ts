import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiProblems } from '../common/openapi/problem-responses';
import { A2aTaskNotFoundError } from './a2a.errors';
import { A2aService } from './a2a.service';
import { SendMessageRequestDto } from './dto/send-message.dto';
import { A2A_BASE_PATH } from './service-card';

const CANCEL_SUFFIX = ':cancel';

/**
 * The A2A 1.0 HTTP+JSON binding (lf.a2a.v1 A2AService) over runs: a task is a run of the
 * workflow definition the message names as its skill. Bodies are ProtoJSON, not enveloped.
 */
@ApiTags('a2a')
@Controller(A2A_BASE_PATH)
export class A2aController {
  constructor(private readonly a2a: A2aService) {}

  @Post('message::send')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'A2A SendMessage: start a run of the skill (definition key) as a task',
    description:
      'Answers {task} at once, in TASK_STATE_SUBMITTED; follow it with GET tasks/{id} or the ' +
      'signed workflow.* webhooks. message.metadata.skillId names the workflow definition; the ' +
      'first data part’s data is the run input (text parts become {text}).',
  })
  @ApiBody({ type: SendMessageRequestDto })
  @ApiProblems(400)
  async send(@Body() body: SendMessageRequestDto) {
    return this.a2a.send(body);
  }

  @Get('tasks/:id')
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'A2A GetTask: the run as a Task' })
  @ApiParam({ name: 'id', description: 'The task id (the run id)' })
  @ApiProblems(404)
  async get(@Param('id') id: string) {
    return this.a2a.get(id);
  }

  @Post('tasks/:idAndVerb')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'A2A CancelTask: POST tasks/{id}:cancel cancels the run and answers the Task',
  })
  @ApiParam({ name: 'idAndVerb', description: '{id}:cancel' })
  @ApiProblems(404, 409)
  async cancel(@Param('idAndVerb') idAndVerb: string) {
    // Custom methods share the path segment with the id (AIP-136); the router sees one param.
    if (!idAndVerb.endsWith(CANCEL_SUFFIX)) throw new A2aTaskNotFoundError(idAndVerb);
    return this.a2a.cancel(idAndVerb.slice(0, -CANCEL_SUFFIX.length));
  }
}
