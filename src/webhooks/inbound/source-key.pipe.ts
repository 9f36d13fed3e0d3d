import { Injectable, PipeTransform } from '@nestjs/common';
import { SOURCE_KEY_PATTERN } from './dto/source.dto';
import { SourceNotFoundError } from './inbound-webhooks.errors';

/** A path segment that cannot be a source key names no source: 404 without a query. */
@Injectable()
export class SourceKeyPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SOURCE_KEY_PATTERN.test(value)) throw new SourceNotFoundError(value.slice(0, 80));
    return value;
  }
}
