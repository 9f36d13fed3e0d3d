import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { listResponse, WholeListQueryDto } from '../common/pagination';
import { SkillSummaryDto } from './dto/skill.dto';
import { SkillsService } from './skills.service';

@ApiTags('agents')
@Controller('skills')
export class SkillsController {
  constructor(private readonly skills: SkillsService) {}

  @Get()
  @Scopes('agents:read', 'workflows:read')
  @ApiOperation({
    summary: 'Each skill with its agents (online/total), queued tasks and the oldest wait',
    description:
      'Every skill an agent of the tenant has or a queued task needs, by name, 200 a page ' +
      'unless `limit` says less. A skill with queued tasks and no agent online is work nobody ' +
      'will do.',
  })
  @ApiList('skills', SkillSummaryDto)
  @ApiProblems(400)
  async list(@Query() query: WholeListQueryDto) {
    return listResponse('skills', await this.skills.list(query.limit, query.cursor));
  }
}
