import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/scopes';
import { ApiData, ApiList } from '../../common/openapi/envelope';
import { ApiProblems } from '../../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../../common/pagination';
import { ParseIdPipe } from '../../common/pipes';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import {
  CreateEndpointDto,
  EndpointDto,
  EndpointWithSecretDto,
  RecoverDto,
  RecoverResultDto,
  RotateSecretDto,
  UpdateEndpointDto,
} from './dto/endpoint.dto';
import { IssuedEndpoint, WebhookEndpointsService } from './webhook-endpoints.service';
import { MAX_LIVE_SECRETS } from '../secret-overlap';
import { NoBody } from '../../common/validation/no-body';

@ApiTags('webhooks')
@Scopes('webhooks:admin')
@Controller('webhooks/endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Idempotent()
  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Register an endpoint; the signing secret is in this response only',
    description:
      'The URL must be http(s) and reach a public address (WEBHOOK_ALLOWED_CIDRS excepted). ' +
      'The answer carries the secret: Cache-Control: no-store.',
  })
  @ApiData(EndpointWithSecretDto, 201)
  @ApiProblems(400)
  async create(@Body() body: CreateEndpointDto): Promise<{ data: EndpointWithSecretDto }> {
    return { data: this.issued(await this.endpoints.create(body)) };
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's endpoints (never a secret)" })
  @ApiList('endpoints', EndpointDto)
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto) {
    const page = await this.endpoints.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('endpoints', { ...page, items: page.items.map((e) => this.dto(e)) });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read an endpoint with its breaker state' })
  @ApiData(EndpointDto)
  @ApiProblems(404)
  async get(@Param('id', ParseIdPipe) id: string): Promise<{ data: EndpointDto }> {
    return { data: this.dto(await this.endpoints.get(id)) };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, event types, description or enabled' })
  @ApiData(EndpointDto)
  @ApiProblems(400, 404)
  async update(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateEndpointDto,
  ): Promise<{ data: EndpointDto }> {
    return { data: this.dto(await this.endpoints.update(id, body)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its deliveries' })
  @ApiNoContentResponse({ description: 'Deleted: no body' })
  @ApiProblems(404)
  async delete(@Param('id', ParseIdPipe) id: string, @NoBody() _body: void): Promise<void> {
    await this.endpoints.delete(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'New signing secret; the old one keeps signing (a second signature) for 24 h',
    description:
      `The answer carries the secret: Cache-Control: no-store. At most ${MAX_LIVE_SECRETS} ` +
      `secrets sign at once: one more rotation is 409 too-many-secrets until the oldest retires.`,
  })
  @ApiData(EndpointWithSecretDto)
  @ApiProblems(400, 404, 409)
  async rotate(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: RotateSecretDto,
  ): Promise<{ data: EndpointWithSecretDto }> {
    return { data: this.issued(await this.endpoints.rotateSecret(id, body.secret)) };
  }

  @Post(':id/recover')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Queue its failed and dead deliveries of a time window for an attempt now',
    description:
      'The deliveries created from `since` (not in the future) up to `until` (after `since`; ' +
      'absent: now). A window the wrong way round is a 400 and requeues nothing.',
  })
  @ApiData(RecoverResultDto)
  @ApiProblems(400, 404, 409)
  async recover(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: RecoverDto,
  ): Promise<{ data: RecoverResultDto }> {
    return { data: { requeued: await this.endpoints.recover(id, body.since, body.until) } };
  }

  private dto(endpoint: Parameters<typeof EndpointDto.from>[0]): EndpointDto {
    return EndpointDto.from(endpoint, this.config.webhookBreakerThreshold);
  }

  private issued({ endpoint, secret }: IssuedEndpoint): EndpointWithSecretDto {
    return { ...this.dto(endpoint), secret };
  }
}
