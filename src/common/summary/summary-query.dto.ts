import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, registerDecorator } from 'class-validator';
import { instantProblem, parseInstant } from '../validation/instant';

/** How far back a summary may look: counting further would scan most of a large table. */
export const SUMMARY_MAX_DAYS = 31;
const DAY_MS = 86_400_000;

/** Why `since` is not a usable start of a summary window, or undefined when it is. */
export function sinceProblem(value: unknown, now = Date.now()): string | undefined {
  const problem = instantProblem('since', value);
  if (problem) return problem;
  // @IsISO8601 reports what is no time at all.
  const at = typeof value === 'string' ? parseInstant(value) : undefined;
  if (at === undefined) return undefined;
  if (at > now) return 'since must not be in the future';
  if (at < now - SUMMARY_MAX_DAYS * DAY_MS)
    return `since must be at most ${SUMMARY_MAX_DAYS} days ago`;
  return undefined;
}

function IsSummaryStart(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isSummaryStart',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => sinceProblem(value) === undefined,
        defaultMessage: (args) => sinceProblem(args?.value) ?? 'since is not a usable time',
      },
    });
  };
}

/** `?since=` of the summary routes: a past ISO 8601 time with a zone, at most 31 days back. */
export class SummaryQueryDto {
  @ApiProperty({
    format: 'date-time',
    description:
      `Start of the window (ISO 8601 with Z or an offset; not in the future, at most ` +
      `${SUMMARY_MAX_DAYS} days ago). The window ends now.`,
    example: '2026-01-01T12:00:00Z',
  })
  @IsISO8601({ strict: true, strictSeparator: true })
  @IsSummaryStart()
  since: string;
}
