import { Idempotent } from '../common/idempotency/idempotent.decorator';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Scopes } from '../auth/scopes';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import {
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  decodeCursor,
  listResponse,
  Page,
} from '../common/pagination';
import { cardFromAgent, registrationFromCard } from './agent-card';
import { AgentsService, etagOf } from './agents.service';
import {
  AgentQueryDto,
  HeartbeatDto,
  LeaderboardQueryDto,
  MAX_WINDOW_HOURS,
  windowHours,
} from './dto/agent-query.dto';
import { AgentDto, HeartbeatResultDto, LeaderboardEntryDto } from './dto/agent.dto';
import { CardQueryDto, ImportAgentDto } from './dto/import-agent.dto';
import { AgentRegistrationDto, RegisterAgentDto } from './dto/register-agent.dto';
import { AgentIdPipe, NewAgentIdPipe } from './agent-id.pipe';
import { HeartbeatBodyPipe } from './heartbeat-body.pipe';
import type { HeartbeatBody } from './heartbeat-body.pipe';
import { randomBytes } from 'node:crypto';
import { BadRequestError, CommonErrorCode } from '../common/errors/domain-error';
import { LeaderboardService } from './leaderboard.service';
import { AgentSummaryService } from './agent-summary.service';
import {
  AgentSummaryDto,
  AgentSummaryQueryDto,
  DEFAULT_SUMMARY_SKILLS,
} from './dto/agent-summary.dto';
import { QuarantineService } from './quarantine.service';
import { ReleaseAgentDto, ReleasedDto } from './dto/routing-settings.dto';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { AGENT_CARD_SCHEMA } from '../a2a/openapi-schemas';
import { NoBody } from '../common/validation/no-body';

@ApiTags('agents')
@Controller('agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly leaderboardService: LeaderboardService,
    private readonly quarantines: QuarantineService,
    private readonly summaries: AgentSummaryService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Idempotent()
  @Post()
  @HttpCode(201)
  @Scopes('agents:write')
  @ApiOperation({ summary: 'Register an agent; 409 if the id exists in this tenant' })
  @ApiData(AgentDto, 201)
  @ApiProblems(400, 409)
  async register(@Body() body: RegisterAgentDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const agent = await this.agents.register({ ...body, id: body.id ?? generatedId(body.name) });
    void reply.header('etag', etagOf(agent));
    return { data: AgentDto.from(agent) };
  }

  @Idempotent()
  @Post('import')
  @HttpCode(201)
  @Scopes('agents:write')
  @ApiOperation({ summary: 'Register an agent from an A2A AgentCard' })
  @ApiData(AgentDto, 201)
  @ApiProblems(400, 409)
  async import(@Body() body: ImportAgentDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const registration = registrationFromCard(body.card, body.id);
    const agent = await this.agents.register({ ...registration, id: registration.id! });
    void reply.header('etag', etagOf(agent));
    return { data: AgentDto.from(agent) };
  }

  @Get()
  @Scopes('agents:read')
  @ApiOperation({
    summary: 'Discover agents by skill (id or name), tag, status or text',
    description:
      'Pages are cached per tenant and query: registry changes (register, update, deregister, ' +
      'status changes) show at once; heartbeat figures (lastHeartbeatAt, inFlight, load) may ' +
      'be up to twice DISCOVERY_CACHE (1 s by default) old.',
  })
  @ApiList('agents', AgentDto)
  @ApiProblems(400)
  async list(@Query() query: AgentQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const page = await this.agents.list(query, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    void reply.type('application/json; charset=utf-8');
    return discoveryBody(page);
  }

  @Get('leaderboard')
  @Scopes('agents:read')
  @ApiOperation({
    summary: 'Agents ranked by the Wilson lower bound of their success rate, then p50 latency',
    description:
      'Counts come from task outcomes (succeeded; failed and timed out count as failures) ' +
      'within the window; with `skill`, only agents having it, by their outcomes for it. ' +
      'Agents without outcomes rank last with zero counts.',
  })
  @ApiList('leaderboard', LeaderboardEntryDto)
  @ApiProblems(400)
  async leaderboard(@Query() query: LeaderboardQueryDto) {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const offset = Number(decodeCursor(query.cursor, [/^\d{1,6}$/])?.[0] ?? 0);
    const hours = windowHours(query.window);
    if (hours === undefined) {
      throw new BadRequestError(CommonErrorCode.InvalidQuery, 'The window is too long.', [
        { field: 'window', message: `window must be at most ${MAX_WINDOW_HOURS / 24}d` },
      ]);
    }
    const { rows, more } = await this.leaderboardService.rank(
      { skill: query.skill, windowHours: hours },
      limit,
      offset,
    );
    const items = rows.map((row, index) => ({
      rank: offset + index + 1,
      ...row,
      skill: query.skill ?? null,
    }));
    return listResponse('leaderboard', {
      items,
      nextCursor: more ? encodeCursor([String(offset + limit)]) : null,
    });
  }

  @Get('summary')
  @Scopes('agents:read')
  @ApiOperation({
    summary: "Exact counts of the tenant's agents by status, and by skill",
    description:
      'Counts every agent of the tenant, not a page of them: by status, how many are ' +
      'quarantined from at least one skill, and per skill (the most widely held first, at most ' +
      '`skills` of them; `skillCount` counts them all) how many are healthy (online, not ' +
      'quarantined from it), unhealthy (degraded, draining or offline) and quarantined from it. ' +
      'Served by index-only scans, and by the read replica when one is current.',
  })
  @ApiData(AgentSummaryDto)
  @ApiProblems(400)
  async summary(@Query() query: AgentSummaryQueryDto) {
    return { data: await this.summaries.summary(query.skills ?? DEFAULT_SUMMARY_SKILLS) };
  }

  @Get(':id')
  @Scopes('agents:read')
  @ApiOperation({ summary: 'Read an agent' })
  @ApiData(AgentDto)
  @ApiProblems(404)
  async get(@Param('id', AgentIdPipe) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const agent = await this.agents.get(id);
    void reply.header('etag', etagOf(agent));
    return { data: AgentDto.from(agent) };
  }

  @Put(':id')
  @Scopes('agents:write')
  @ApiOperation({
    summary: 'Create or update an agent (201 created, 200 updated); counts as a heartbeat',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'ETag from a previous read: 412 if changed',
  })
  @ApiData(AgentDto, 200)
  @ApiData(AgentDto, 201)
  @ApiProblems(400, 412)
  async upsert(
    @Param('id', NewAgentIdPipe) id: string,
    @Body() body: AgentRegistrationDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { agent, created } = await this.agents.upsert({ ...body, id }, ifMatch?.trim());
    void reply.status(created ? 201 : 200).header('etag', etagOf(agent));
    return { data: AgentDto.from(agent) };
  }

  @Delete(':id')
  @HttpCode(204)
  @Scopes('agents:write')
  @ApiOperation({ summary: 'Deregister an agent' })
  @ApiNoContentResponse({ description: 'Deregistered: no body' })
  @ApiProblems(404)
  async deregister(@Param('id', AgentIdPipe) id: string, @NoBody() _body: void): Promise<void> {
    await this.agents.deregister(id);
  }

  @Post(':id/heartbeat')
  @HttpCode(200)
  @Scopes('agents:write', 'tasks:work')
  @ApiOperation({
    summary: 'Report liveness: healthy | degraded | draining',
    description:
      'Answered once the beat is written. Beats arriving while one write runs are written ' +
      'together in the next (one statement): a 200 always means the beat is stored, an error ' +
      'that it may not be. A beat that changes the status is written and audited on its own.',
  })
  @ApiBody({ type: HeartbeatDto })
  @ApiData(HeartbeatResultDto)
  @ApiProblems(400, 404)
  async heartbeat(
    @Param('id', AgentIdPipe) id: string,
    @Body(HeartbeatBodyPipe) body: HeartbeatBody,
  ) {
    return { data: await this.agents.heartbeat(id, body) };
  }

  @Idempotent()
  @Post(':id/release')
  @HttpCode(200)
  @Scopes('agents:write')
  @ApiOperation({
    summary: "End an agent's quarantine, for one skill or all of them",
    description:
      'The agent gets tasks of the skill again and starts a fresh window of outcomes for it. ' +
      'Each skill released is audited (agent.release) and emits agent.released (reason ' +
      'operator). A deferred quarantine (quarantineDeferrals) is dropped alike, its window ' +
      'emptied (agent.quarantine.deferral_ended, reason operator), and listed too. Releasing an ' +
      'agent that holds neither answers an empty list; naming a skill the agent neither has ' +
      "nor holds either for, 404 skill-not-found. An agent's own key may not release it (403).",
  })
  @ApiData(ReleasedDto)
  @ApiProblems(400, 403, 404)
  async release(@Param('id', AgentIdPipe) id: string, @Body() body: ReleaseAgentDto) {
    return { data: { agentId: id, released: await this.quarantines.release(id, body.skill) } };
  }

  @Get(':id/card')
  @Scopes('agents:read')
  @ApiOperation({
    summary: 'The agent as an A2A AgentCard (1.0 unless ?version=0.3)',
    description:
      "Without an endpoint of its own, the card's interface url is the agent's resource under " +
      'PUBLIC_URL (default: the listen address), whatever Host header the request carries. ' +
      'Fields of an imported card that AgentMesh does not model come back unchanged.',
  })
  @ApiOkResponse({ description: 'The AgentCard', schema: AGENT_CARD_SCHEMA })
  @ApiProblems(400, 404)
  async card(@Param('id', AgentIdPipe) id: string, @Query() query: CardQueryDto) {
    const agent = AgentDto.from(await this.agents.get(id));
    return cardFromAgent(agent, this.config.publicUrl, query.version);
  }
}

function generatedId(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return `${base || 'agent'}-${randomBytes(4).toString('hex')}`;
}

/** Bodies of discovery pages, built once per page: a cached page is answered as it is. */
const discoveryBodies = new WeakMap<Page<string>, Buffer>();

/** The agents arrive as JSON text from the database: the envelope is written around them. */
function discoveryBody(page: Page<string>): Buffer {
  let body = discoveryBodies.get(page);
  if (!body) {
    body = Buffer.from(
      `{"data":{"agents":[${page.items.join(',')}]},"meta":{"nextCursor":${JSON.stringify(page.nextCursor)}}}`,
    );
    discoveryBodies.set(page, body);
  }
  return body;
}
