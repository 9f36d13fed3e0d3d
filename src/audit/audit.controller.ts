import { Readable } from 'node:stream';
import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { currentTenantId } from '../common/context/request-context';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse } from '../common/pagination';
import { AuditService } from './audit.service';
import { AuditEntryDto, AuditQueryDto, VerifyQueryDto, VerifyResultDto } from './dto/audit.dto';

/**
 * Entries are tenant-scoped: a tenant lists and exports only its own. The hash chain, though, is
 * one global sequence over every tenant's entries (one order, one head to sign), so verify
 * always checks the whole chain (or a seq range of it); it returns only validity and hashes,
 * never another tenant's content.
 */
@ApiTags('audit')
@Scopes('audit:read')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: "List the tenant's audit entries, newest first" })
  @ApiList('entries', AuditEntryDto)
  @ApiProblems(400)
  async list(@Query() query: AuditQueryDto) {
    const page = await this.audit.list(
      currentTenantId(),
      query,
      query.limit ?? DEFAULT_PAGE_SIZE,
      query.cursor,
    );
    return listResponse('entries', {
      ...page,
      items: page.items.map((row) => AuditEntryDto.from(row)),
    });
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain (all tenants) over a seq range' })
  @ApiData(VerifyResultDto)
  @ApiProblems(400)
  async verify(@Query() query: VerifyQueryDto): Promise<{ data: VerifyResultDto }> {
    return { data: await this.audit.verify(query.fromSeq, query.toSeq) };
  }

  @Get('export')
  @ApiOperation({
    summary: "Stream the tenant's sealed entries as NDJSON, with the exact hashed fields",
  })
  @ApiProduces('application/x-ndjson')
  async export(): Promise<StreamableFile> {
    const rows = this.audit.exportSealed(currentTenantId());
    async function* lines() {
      for await (const row of rows) yield `${JSON.stringify(row)}\n`;
    }
    return new StreamableFile(Readable.from(lines()), { type: 'application/x-ndjson' });
  }
}
