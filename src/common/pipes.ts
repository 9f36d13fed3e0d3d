import { Injectable, PipeTransform } from '@nestjs/common';
import { NotFoundError } from './errors/domain-error';
import { UUID_PATTERN } from './ids';

/** A path id that is not a UUID names nothing: 404, and no query reaches the database. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID_PATTERN.test(value)) {
      throw new NotFoundError('not_found', `Nothing has the id "${value.slice(0, 80)}".`);
    }
    return value.toLowerCase();
  }
}
