import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TaskViewDto } from './run.dto';
import { TaskErrorDto } from './task.dto';

/** One attempt of a task, from its history: who ran it, how it ended. */
export class TaskAttemptDto {
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty({
    enum: ['claimed', 'succeeded', 'failed', 'timed_out', 'cancelled'],
    description: 'claimed while it runs; else how it ended',
  })
  status: string;
  @ApiPropertyOptional({ nullable: true, type: String }) agentId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) claimedAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) finishedAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) durationMs: number | null;
  @ApiPropertyOptional({ nullable: true, type: TaskErrorDto }) error: unknown;
}

export class TaskDetailDto extends TaskViewDto {
  @ApiProperty({ format: 'uuid' }) workflowId: string;
  @ApiProperty() stepKey: string;
  @ApiProperty() skill: string;
  @ApiProperty({ type: [TaskAttemptDto], description: 'Oldest first' })
  attempts: TaskAttemptDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      'When a retry of its run replaced it with a new task for its step (kept as it ended, no ' +
      'longer part of the run); null for a task of the run as it is',
  })
  retiredAt: string | null;
}

/** A task as an agent's page lists it: where it belongs and how its latest attempt went. */
export class AgentTaskDto extends TaskViewDto {
  @ApiProperty({ format: 'uuid' }) workflowId: string;
  @ApiProperty() stepKey: string;
  @ApiProperty() skill: string;
}
