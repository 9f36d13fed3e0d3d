import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../../auth/scopes';
import { ApiData } from '../../common/openapi/envelope';
import { ApiProblems } from '../../common/openapi/problem-responses';
import { SignedReceiptDto } from '../dto/receipt.dto';
import { ReceiptsService } from './receipts.service';

@ApiTags('workflows')
@Controller('workflows')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Get(':id/receipt')
  @Scopes('workflows:read')
  @ApiOperation({
    summary: "A finished run's signed receipt",
    description:
      'Issued for every finished run (succeeded, failed or cancelled) within seconds of its end, ' +
      'once its audit entries are sealed: the definition (key, version, content hash), input ' +
      "and output hashes, each step's agents, attempts and timing, and the seq range of the " +
      "run's audit entries with the chain hash at its end, signed (Ed25519) with the audit " +
      'signing key over the canonical JSON of `receipt`. 404 `receipt_not_issued` until then ' +
      '(and while a retried run runs again). 409 `receipt_invalid` when the stored receipt no ' +
      'longer verifies against the keys the service trusts (changed in the database). Verify ' +
      'offline, against the key you pinned, with ' +
      '`npm run audit:verify -- --receipt r.json --file export.ndjson`.',
  })
  @ApiData(SignedReceiptDto)
  @ApiProblems(404, 409)
  async get(@Param('id') id: string) {
    return { data: await this.receipts.get(id) };
  }
}
