import { NotFoundError } from '../common/errors/domain-error';

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
  ProgressTooLarge = 'progress_too_large',
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

export class TaskNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(WorkflowErrorCode.TaskNotFound, `Task "${id}" was not found.`);
  }
}
