import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../auth/scopes';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../common/pagination';
import { DefinitionsService, DispatchState } from './definitions.service';
import { SkillsService } from './skills.service';
import { ApiDataWithWarnings, withWarnings } from './warnings';
import {
  CreateDefinitionDto,
  DefinitionDto,
  DefinitionQueryDto,
  DispatchStateDto,
} from './dto/definition.dto';
import { NoBody } from '../common/validation/no-body';

const dispatchView = (state: DispatchState): DispatchStateDto => ({
  key: state.key,
  paused: state.paused,
  pausedAt: state.pausedAt === null ? null : new Date(state.pausedAt).toISOString(),
});

@ApiTags('workflows')
@Controller('workflow-definitions')
export class DefinitionsController {
  constructor(
    private readonly definitions: DefinitionsService,
    private readonly skills: SkillsService,
  ) {}

  @Post()
  @Idempotent()
  @Scopes('workflows:write')
  @ApiOperation({
    summary: 'Create a definition, or the next version of its key',
    description:
      'The steps must form a DAG: unknown or repeated dependencies, duplicate keys and cycles ' +
      'answer 400 naming the step. Sending the same content as the latest version again creates ' +
      'no new version: 200 with that version. Otherwise 201 with the new version. A step whose ' +
      'skill no agent has ever registered is accepted with a `warnings` entry naming it.',
  })
  @ApiDataWithWarnings(DefinitionDto, 201)
  @ApiDataWithWarnings(DefinitionDto, 200)
  @ApiProblems(400, 409, 422)
  async create(@Body() body: CreateDefinitionDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { definition, created } = await this.definitions.create(body);
    void reply.status(created ? 201 : 200);
    const warnings = await this.skills.unknownSkillWarnings(definition.steps);
    return withWarnings(DefinitionDto.from(definition), warnings);
  }

  @Get()
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'List definitions (latest version of each key)' })
  @ApiList('definitions', DefinitionDto)
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto) {
    const page = await this.definitions.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('definitions', {
      ...page,
      items: page.items.map((d) => DefinitionDto.from(d)),
    });
  }

  @Get(':key')
  @Scopes('workflows:read')
  @ApiOperation({ summary: 'Read a definition: the latest version, or ?version=' })
  @ApiData(DefinitionDto)
  @ApiProblems(400, 404)
  async get(@Param('key') key: string, @Query() query: DefinitionQueryDto) {
    return { data: DefinitionDto.from(await this.definitions.get(key, query.version)) };
  }

  @Post(':key/pause')
  @HttpCode(200)
  @Scopes('workflows:write')
  @ApiOperation({
    summary: "Pause a definition's dispatch: queued tasks of its runs stay queued, none is claimed",
    description:
      'Every version, and inline runs of that type. Claimed tasks finish; runs still start and ' +
      'queue their first steps. Pausing a paused key changes nothing.',
  })
  @ApiData(DispatchStateDto)
  @ApiProblems(404)
  async pause(@Param('key') key: string, @NoBody() _body: void) {
    return { data: dispatchView(await this.definitions.pause(key)) };
  }

  @Post(':key/resume')
  @HttpCode(200)
  @Scopes('workflows:write')
  @ApiOperation({
    summary: "Resume a paused definition's dispatch: waiting agents are woken",
  })
  @ApiData(DispatchStateDto)
  @ApiProblems(404)
  async resume(@Param('key') key: string, @NoBody() _body: void) {
    return { data: dispatchView(await this.definitions.resume(key)) };
  }
}
