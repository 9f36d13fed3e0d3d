import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IpAllowlist } from '../common/net/ip-allowlist';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../common/pagination';
import { CreateTenantDto, TenantDto } from './dto/tenant.dto';
import { ADMIN_SCOPE, Scopes } from './scopes';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@IpAllowlist('admin')
@Scopes(ADMIN_SCOPE)
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Idempotent()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a tenant (platform admins)' })
  @ApiData(TenantDto, 201)
  @ApiProblems(400, 409)
  async create(@Body() body: CreateTenantDto): Promise<{ data: TenantDto }> {
    return { data: TenantDto.from(await this.tenants.create(body.id, body.name)) };
  }

  @Get()
  @ApiOperation({ summary: 'List tenants (platform admins)' })
  @ApiList('tenants', TenantDto)
  @ApiProblems(400)
  async list(@Query() query: PageQueryDto) {
    const page = await this.tenants.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('tenants', {
      ...page,
      items: page.items.map((tenant) => TenantDto.from(tenant)),
    });
  }
}
