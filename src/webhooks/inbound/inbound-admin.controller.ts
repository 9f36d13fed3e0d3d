import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/scopes';
import { ApiData, ApiList } from '../../common/openapi/envelope';
import { ApiProblems } from '../../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../../common/pagination';
import { ParseIdPipe } from '../../common/pipes';
import { InboundEventDetailDto, InboundEventDto, InboundQueryDto } from './dto/inbound-event.dto';
import {
  CreateSourceDto,
  RotateSourceSecretDto,
  SourceDto,
  SourceWithSecretDto,
} from './dto/source.dto';
import { InboundDeliveriesService } from './inbound-deliveries.service';
import { InboundSourcesService } from './inbound-sources.service';
import { SourceKeyPipe } from './source-key.pipe';
import { MAX_LIVE_SECRETS } from '../secret-overlap';
import { NoBody } from '../../common/validation/no-body';

@ApiTags('webhooks in')
@Controller('webhooks')
export class InboundAdminController {
  constructor(
    private readonly sources: InboundSourcesService,
    private readonly deliveries: InboundDeliveriesService,
  ) {}

  @Idempotent()
  @Post('sources')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Scopes('webhooks:admin')
  @ApiOperation({
    summary: 'Register a Standard Webhooks sender; the answer shows its secret',
    description:
      'The sender delivers to `POST /api/v1/hooks/{key}`. Keys are unique across ALL tenants ' +
      '(the receiving route carries no tenant): 409 when any tenant holds the key. ' +
      'The answer carries the secret: Cache-Control: no-store.',
  })
  @ApiData(SourceWithSecretDto, 201)
  @ApiProblems(400, 409)
  async create(@Body() body: CreateSourceDto) {
    return { data: SourceWithSecretDto.withSecret(await this.sources.create(body)) };
  }

  @Get('sources')
  @Scopes('webhooks:admin')
  @ApiOperation({ summary: "The tenant's Standard Webhooks senders (never their secrets)" })
  @ApiList('sources', SourceDto)
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto) {
    const page = await this.sources.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('sources', { ...page, items: page.items.map((s) => SourceDto.from(s)) });
  }

  @Get('sources/:key')
  @Scopes('webhooks:admin')
  @ApiOperation({ summary: 'Read a sender (never its secret)' })
  @ApiData(SourceDto)
  @ApiProblems(404)
  async get(@Param('key', SourceKeyPipe) key: string) {
    return { data: SourceDto.from(await this.sources.get(key)) };
  }

  @Delete('sources/:key')
  @HttpCode(204)
  @Scopes('webhooks:admin')
  @ApiOperation({
    summary: 'Remove a sender; its deliveries stay, further ones get 404',
  })
  @ApiNoContentResponse({ description: 'Deleted: no body' })
  @ApiProblems(404)
  async remove(@Param('key', SourceKeyPipe) key: string, @NoBody() _body: void): Promise<void> {
    await this.sources.delete(key);
  }

  @Post('sources/:key/rotate-secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Scopes('webhooks:admin')
  @ApiOperation({
    summary: 'New secret (given or generated); the old one still verifies for overlapSeconds',
    description:
      `The answer carries the secret: Cache-Control: no-store. At most ${MAX_LIVE_SECRETS} ` +
      `secrets verify at once: one more rotation is 409 too-many-secrets until the oldest retires.`,
  })
  @ApiData(SourceWithSecretDto)
  @ApiProblems(400, 404, 409)
  async rotate(@Param('key', SourceKeyPipe) key: string, @Body() body: RotateSourceSecretDto) {
    return { data: SourceWithSecretDto.withSecret(await this.sources.rotateSecret(key, body)) };
  }

  @Get('inbound')
  @Scopes('webhooks:admin')
  @ApiOperation({
    summary: 'Deliveries received for this tenant, newest first (GitHub ones: default tenant)',
  })
  @ApiList('events', InboundEventDto)
  @ApiProblems(400)
  async inbound(@Query() query: InboundQueryDto) {
    const page = await this.deliveries.list(
      { source: query.source, deliveryId: query.deliveryId, status: query.status },
      query.limit ?? DEFAULT_PAGE_SIZE,
      query.cursor,
    );
    return listResponse('events', {
      ...page,
      items: page.items.map((row) => InboundEventDto.from(row)),
    });
  }

  @Get('inbound/:id')
  @Scopes('webhooks:admin')
  @ApiOperation({ summary: 'One delivery with its body exactly as received (base64)' })
  @ApiData(InboundEventDetailDto)
  @ApiProblems(404)
  async inboundOne(@Param('id', ParseIdPipe) id: string) {
    return { data: await this.deliveries.get(id) };
  }
}
