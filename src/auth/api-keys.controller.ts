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
import { Throttle } from '@nestjs/throttler';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { IpAllowlist } from '../common/net/ip-allowlist';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../common/pagination';
import { ParseIdPipe } from '../common/pipes';
import { ApiKeysService, IssuedApiKey } from './api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, IssuedApiKeyDto, RotateApiKeyDto } from './dto/api-key.dto';
import { Scopes } from './scopes';
import { NoBody } from '../common/validation/no-body';

/** Key creation and rotation mint credentials: a much tighter limit than the global one. */
const ISSUE_LIMIT = { default: { limit: 30, ttl: 60_000 } };
const DEFAULT_OVERLAP_SECONDS = 86_400;
/** Responses carrying a key are never kept by a browser or proxy cache. */
const NO_STORE = 'no-store';

@ApiTags('api-keys')
@IpAllowlist('admin')
@Scopes('keys:admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Idempotent({ secretShownOnce: true })
  @Post()
  @HttpCode(201)
  @Header('Cache-Control', NO_STORE)
  @Throttle(ISSUE_LIMIT)
  @ApiOperation({
    summary: 'Create an API key; the key is in this response only',
    description:
      'Only scopes the calling key holds may be granted; "*" by platform admins only. A key ' +
      'that expires creates only keys that expire no later (403 expiry-not-grantable).',
  })
  @ApiData(IssuedApiKeyDto, 201)
  @ApiProblems(400, 404)
  async create(@Body() body: CreateApiKeyDto): Promise<{ data: IssuedApiKeyDto }> {
    // null, as for the other optional fields, is no value: a key that does not expire.
    const expiresAt = body.expiresAt == null ? undefined : new Date(body.expiresAt);
    return { data: issued(await this.apiKeys.create({ ...body, expiresAt })) };
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's API keys (never a key or its hash)" })
  @ApiList('apiKeys', ApiKeyDto)
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto) {
    const page = await this.apiKeys.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('apiKeys', {
      ...page,
      items: page.items.map((key) => ApiKeyDto.from(key)),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one API key' })
  @ApiData(ApiKeyDto)
  @ApiProblems(404)
  async get(@Param('id', ParseIdPipe) id: string): Promise<{ data: ApiKeyDto }> {
    return { data: ApiKeyDto.from(await this.apiKeys.get(id)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key, at once on every replica',
    description: 'Only a key holding every scope of the revoked key (403 otherwise).',
  })
  @ApiNoContentResponse({ description: 'Revoked: no body' })
  @ApiProblems(404, 409)
  async revoke(@Param('id', ParseIdPipe) id: string, @NoBody() _body: void): Promise<void> {
    await this.apiKeys.revoke(id);
  }

  @Idempotent({ secretShownOnce: true })
  @Post(':id/rotate')
  @HttpCode(201)
  @Header('Cache-Control', NO_STORE)
  @Throttle(ISSUE_LIMIT)
  @ApiOperation({
    summary: 'Issue a successor key; the old one stays valid for overlapSeconds',
    description:
      'Only a key holding every scope of the rotated key (403 otherwise), and, when it expires, ' +
      'expiring no earlier than the rotated key (403 expiry-not-grantable). A revoked, expired ' +
      'or already rotated key is not rotated (409): rotate its successor.',
  })
  @ApiData(IssuedApiKeyDto, 201)
  @ApiProblems(400, 404, 409)
  async rotate(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: RotateApiKeyDto,
  ): Promise<{ data: IssuedApiKeyDto }> {
    return {
      data: issued(await this.apiKeys.rotate(id, body.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS)),
    };
  }
}

function issued({ record, key }: IssuedApiKey): IssuedApiKeyDto {
  return { ...ApiKeyDto.from(record), key };
}
