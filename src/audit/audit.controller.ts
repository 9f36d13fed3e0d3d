import { ForbiddenError } from '../common/errors/domain-error';
import { Readable } from 'node:stream';
import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ADMIN_SCOPE, Scopes } from '../auth/scopes';
import { currentTenantId, requestContext } from '../common/context/request-context';
import { ApiData, ApiList } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { DEFAULT_PAGE_SIZE, listResponse, PageQueryDto } from '../common/pagination';
import { AuditErrorCode } from './audit.errors';
import { AuditService } from './audit.service';
import {
  CheckpointDto,
  AuditEntryDto,
  AuditQueryDto,
  ExportQueryDto,
  VerifyQueryDto,
  VerifyResultDto,
} from './dto/audit.dto';
import { TENANT_VERIFY_MAX_LINKS } from './verify-range';

/**
 * Entries are tenant-scoped: a tenant lists and exports only its own. The hash chain, though, is
 * one global sequence over every tenant's entries (one order, one head to sign), so verify
 * checks the chain itself (a seq range of it: the whole chain for platform admins, at most
 * TENANT_VERIFY_MAX_LINKS links per call for anyone else, since re-hashing is not free); it
 * returns only validity and hashes, never another tenant's content. A tenant's export is
 * verifiable offline entry by entry (and link by link where its seqs are adjacent); a platform
 * admin's `?all=true` export is the whole chain, verifiable end to end with
 * `npm run audit:verify -- file --complete`.
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
  @ApiOperation({
    summary: 'Recompute the hash chain (all tenants) over a seq range',
    description:
      'Platform admins verify the whole chain by default. Other keys verify at most ' +
      `${TENANT_VERIFY_MAX_LINKS} links per call: without bounds the newest ones; with one ` +
      'bound, that many from it; a wider fromSeq..toSeq range is 400.',
  })
  @ApiData(VerifyResultDto)
  @ApiProblems(400)
  async verify(@Query() query: VerifyQueryDto): Promise<{ data: VerifyResultDto }> {
    const platformAdmin = requestContext.require().scopes?.includes(ADMIN_SCOPE) ?? false;
    const maxLinks = platformAdmin ? undefined : TENANT_VERIFY_MAX_LINKS;
    return {
      data: await this.audit.verify({ fromSeq: query.fromSeq, toSeq: query.toSeq, maxLinks }),
    };
  }

  @Get('checkpoints')
  @ApiOperation({ summary: 'Ed25519-signed heads of the chain (all tenants), newest first' })
  @ApiList('checkpoints', CheckpointDto)
  @ApiProblems(400)
  async checkpoints(@Query() query: PageQueryDto) {
    const page = await this.audit.checkpoints(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return listResponse('checkpoints', {
      ...page,
      items: page.items.map((checkpoint) => CheckpointDto.from(checkpoint)),
    });
  }

  @Get('export')
  @ApiOperation({
    summary: "Stream the tenant's sealed entries as NDJSON, with the exact hashed fields",
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description:
      'One sealed entry a line (JSON), oldest first, as `audit:verify` reads them; a chain link ' +
      'whose entry was deleted is a line of `seq`, `prevHash`, `hash` and `missingEntry: true`, ' +
      'in every export',
    content: { 'application/x-ndjson': { schema: { type: 'string' } } },
  })
  @ApiProblems(400)
  async export(@Query() query: ExportQueryDto): Promise<StreamableFile> {
    let tenantId: string | null = currentTenantId();
    if (query.all === 'true') {
      // The whole chain holds every tenant's entries: platform admins only.
      if (!requestContext.require().scopes?.includes(ADMIN_SCOPE)) {
        throw new ForbiddenError(
          AuditErrorCode.WholeChainForbidden,
          'Only platform admins may export the whole chain.',
        );
      }
      tenantId = null;
    }
    const rows = this.audit.exportSealed(tenantId);
    async function* lines() {
      for await (const row of rows) yield `${JSON.stringify(row)}\n`;
    }
    return new StreamableFile(Readable.from(lines()), { type: 'application/x-ndjson' });
  }
}
