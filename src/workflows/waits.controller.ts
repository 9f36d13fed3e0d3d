import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes, SCOPES } from '../auth/scopes';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiData } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { RunDetailDto } from './dto/run.dto';
import { ApproveDto, RejectDto, SignalDto, SignalResultDto } from './dto/wait.dto';
import { runDetailView } from './views';
import { WaitsService } from './waits.service';

@ApiTags('workflows')
@Controller('workflows')
export class WaitsController {
  constructor(private readonly waits: WaitsService) {}

  @Post(':id/signals')
  @HttpCode(200)
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Send a signal to a run',
    description:
      'Completes every step of the run waiting for a signal of this name, the payload as their ' +
      'output; with none waiting it is kept, and the next step to wait for it takes it at once. ' +
      'A repeated signalId answers the first reception (409 if its name or payload differ). ' +
      '409 once the run has finished.',
  })
  @ApiData(SignalResultDto)
  @ApiProblems(400, 404, 409, 422)
  async signal(@Param('id') id: string, @Body() body: SignalDto) {
    return { data: await this.waits.signal(id, body) };
  }

  @Post(':id/steps/:stepKey/approve')
  @HttpCode(200)
  @Idempotent()
  @Scopes(...SCOPES)
  @ApiOperation({
    summary: 'Approve a waiting approval step',
    description:
      'Needs the scope workflows:approve (a platform admin has it), or a key the step lists in ' +
      'its approvers (as key:<id>, or by a scope it holds); others get 403. The step succeeds with ' +
      '{approvedBy, keyId, comment}. 409 when the step is not waiting.',
  })
  @ApiData(RunDetailDto)
  @ApiProblems(400, 403, 404, 409, 422)
  async approve(
    @Param('id') id: string,
    @Param('stepKey') stepKey: string,
    @Body() body: ApproveDto,
  ) {
    return { data: runDetailView(await this.waits.decide(id, stepKey, 'approve', body.comment)) };
  }

  @Post(':id/steps/:stepKey/reject')
  @HttpCode(200)
  @Idempotent()
  @Scopes(...SCOPES)
  @ApiOperation({
    summary: 'Reject a waiting approval step: it fails (no retry), and so does the run',
    description: 'Same permissions as approve. The comment is the step’s error message.',
  })
  @ApiData(RunDetailDto)
  @ApiProblems(400, 403, 404, 409, 422)
  async reject(
    @Param('id') id: string,
    @Param('stepKey') stepKey: string,
    @Body() body: RejectDto,
  ) {
    return { data: runDetailView(await this.waits.decide(id, stepKey, 'reject', body.comment)) };
  }
}
