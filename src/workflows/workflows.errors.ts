import { ConflictError, NotFoundError } from '../common/errors/domain-error';

export enum WorkflowErrorCode {
  InvalidDefinition = 'invalid_workflow_definition',
  DefinitionNotFound = 'workflow_definition_not_found',
  RunNotFound = 'workflow_not_found',
  TaskNotFound = 'task_not_found',
  IllegalTransition = 'illegal_transition',
  RunFinished = 'workflow_finished',
  NotLeaseHolder = 'not_lease_holder',
  ResultMismatch = 'task_result_mismatch',
  InvalidRun = 'invalid_workflow_run',
  AgentDraining = 'agent_draining',
  SignalIdReused = 'signal_id_reused',
  ApprovalNotFound = 'approval_not_found',
  ApprovalNotWaiting = 'approval_not_waiting',
  RunNotFailed = 'workflow_not_failed',
  ProgressTooLarge = 'progress_too_large',
  OutputTooLarge = 'output_too_large',
  RunValueTooLarge = 'run_value_too_large',
  FanOutStepNotFound = 'fan_out_step_not_found',
  ConcurrencyKeyFull = 'concurrency_key_full',
  RateLimitNotFound = 'rate_limit_not_found',
  RateLimitExists = 'rate_limit_exists',
  InvalidRateLimit = 'invalid_rate_limit',
  BudgetBelowUsage = 'budget_below_usage',
  InvalidUsageQuery = 'invalid_usage_query',
  ReceiptNotIssued = 'receipt_not_issued',
  ReceiptInvalid = 'receipt_invalid',
}

export class DefinitionNotFoundError extends NotFoundError {
  constructor(key: string, version?: number) {
    super(
      WorkflowErrorCode.DefinitionNotFound,
      version === undefined
        ? `Workflow definition "${key}" was not found.`
        : `Version ${version} of workflow definition "${key}" was not found.`,
    );
  }
}

export class RunNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(WorkflowErrorCode.RunNotFound, `Workflow run "${id}" was not found.`);
  }
}

export class FanOutStepNotFoundError extends NotFoundError {
  constructor(stepKey: string) {
    super(WorkflowErrorCode.FanOutStepNotFound, `The run has no forEach step "${stepKey}".`);
  }
}

export class TaskNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(WorkflowErrorCode.TaskNotFound, `Task "${id}" was not found.`);
  }
}

/** A draining agent claims nothing: it is finishing what it holds before it stops. */
export class AgentDrainingError extends ConflictError {
  constructor(id: string) {
    super(
      WorkflowErrorCode.AgentDraining,
      `Agent "${id}" is draining and may not claim tasks; a heartbeat with status "healthy" makes it claim again.`,
    );
  }
}

export class RateLimitNotFoundError extends NotFoundError {
  constructor(key: string) {
    super(WorkflowErrorCode.RateLimitNotFound, `Rate limit "${key}" was not found.`);
  }
}

export class RateLimitExistsError extends ConflictError {
  constructor(key: string) {
    super(WorkflowErrorCode.RateLimitExists, `A rate limit "${key}" already exists.`);
  }
}

export class ReceiptNotIssuedError extends NotFoundError {
  constructor(id: string) {
    super(
      WorkflowErrorCode.ReceiptNotIssued,
      `Workflow run "${id}" has no receipt yet: receipts are issued within seconds of a run's end.`,
    );
  }
}

export class ReceiptInvalidError extends ConflictError {
  constructor(id: string) {
    super(
      WorkflowErrorCode.ReceiptInvalid,
      `The stored receipt of workflow run "${id}" does not verify against the service's keys: it was changed in the database. Verify the audit trail (GET /api/v1/audit/verify).`,
    );
  }
}
