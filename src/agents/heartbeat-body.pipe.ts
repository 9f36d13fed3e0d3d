import { Injectable, PipeTransform } from '@nestjs/common';
import { createValidationPipe } from '../common/errors/validation';
import { HEARTBEAT_STATUSES, HeartbeatDto } from './dto/agent-query.dto';

/** A heartbeat's body as the service reads it. */
export type HeartbeatBody = Pick<HeartbeatDto, 'status' | 'inFlight' | 'load'>;

const FIELDS = new Set(['status', 'inFlight', 'load']);
const METADATA = { type: 'body' as const, metatype: HeartbeatDto, data: undefined };

/**
 * Validates a heartbeat's body, the hottest request of the service. A body plainly valid under
 * HeartbeatDto's rules is handed on as parsed: class-transformer and class-validator cost about
 * a tenth of a beat's CPU. Anything else goes through the application's ValidationPipe, which
 * accepts or refuses it with the usual problem (a spec holds the two to the same answers).
 * The route declares the body as a plain type so that the global pipe does not validate it
 * a second time.
 */
@Injectable()
export class HeartbeatBodyPipe implements PipeTransform<unknown, Promise<HeartbeatBody>> {
  private readonly full = createValidationPipe();

  async transform(value: unknown): Promise<HeartbeatBody> {
    if (isPlainlyValid(value)) return value;
    return (await this.full.transform(value, METADATA)) as HeartbeatDto;
  }
}

function isPlainlyValid(value: unknown): value is HeartbeatBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) return false;
  const { status, inFlight, load } = body;
  return (
    typeof status === 'string' &&
    (HEARTBEAT_STATUSES as readonly string[]).includes(status) &&
    (inFlight === undefined ||
      (Number.isInteger(inFlight) && (inFlight as number) >= 0 && (inFlight as number) <= 1e6)) &&
    (load === undefined ||
      (typeof load === 'number' && Number.isFinite(load) && load >= 0 && load <= 1))
  );
}
