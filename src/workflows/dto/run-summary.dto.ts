import { ApiProperty } from '@nestjs/swagger';
import { RUN_STATUSES, RunStatus, TERMINAL_RUN_STATUSES } from '../state-machine';

const counts = (statuses: readonly string[], description: string) =>
  ApiProperty({
    type: 'object',
    description,
    properties: Object.fromEntries(statuses.map((status) => [status, { type: 'integer' }])),
    required: [...statuses],
  });

/** `GET /workflows/summary`: exact counts of the tenant's runs in a window ending now. */
export class RunSummaryDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the window (in UTC)' })
  since: string;

  @ApiProperty({ format: 'date-time', description: 'End of the window: when it was counted' })
  asOf: string;

  @ApiProperty({ description: 'Runs created in the window' })
  created: number;

  @counts(
    RUN_STATUSES,
    'Runs created in the window, by their status now (every status, 0 included)',
  )
  createdByStatus: Record<RunStatus, number>;

  @ApiProperty({ description: 'Runs that finished in the window (whenever they were created)' })
  finished: number;

  @counts(TERMINAL_RUN_STATUSES, 'Runs that finished in the window, by outcome')
  finishedByStatus: Record<string, number>;
}
