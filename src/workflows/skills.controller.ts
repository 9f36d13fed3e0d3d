import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { ApiList } from '../common/openapi/envelope';
import { listResponse } from '../common/pagination';
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
      'Every skill an agent of the tenant has or a queued task needs, by name, in one page. ' +
      'A skill with queued tasks and no agent online is work nobody will do.',
  })
  @ApiList('skills', SkillSummaryDto)
  async list() {
    return listResponse('skills', { items: await this.skills.list(), nextCursor: null });
  }
}
