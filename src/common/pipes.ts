import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from './errors/domain-error';
import { UUID_PATTERN } from './ids';

class ResourceNotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
}

/** A path id that is not a UUID names nothing: 404, and no query reaches the database. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID_PATTERN.test(value)) {
      throw new ResourceNotFoundError('not_found', `Nothing has the id "${value.slice(0, 80)}".`);
    }
    return value.toLowerCase();
  }
}
