import {
  BadRequestError,
  ConflictError,
  FieldError,
  NotFoundError,
} from '../common/errors/domain-error';

/** A2A errors keep the protocol's names: the problem's title is the A2A error name. */
export enum A2aErrorCode {
  TaskNotFound = 'a2a_task_not_found',
  TaskNotCancelable = 'a2a_task_not_cancelable',
  InvalidParams = 'a2a_invalid_params',
  UnsupportedOperation = 'a2a_unsupported_operation',
  ContentTypeNotSupported = 'a2a_content_type_not_supported',
  PushConfigNotFound = 'a2a_push_config_not_found',
}

export class A2aTaskNotFoundError extends NotFoundError {
  override readonly title = 'TaskNotFoundError';
  constructor(id: string) {
    super(A2aErrorCode.TaskNotFound, `Task "${id.slice(0, 80)}" was not found.`);
  }
}

export class A2aTaskNotCancelableError extends ConflictError {
  override readonly title = 'TaskNotCancelableError';
  constructor(id: string, state: string) {
    super(A2aErrorCode.TaskNotCancelable, `Task "${id}" is ${state} and cannot be canceled.`);
  }
}

export class A2aInvalidParamsError extends BadRequestError {
  override readonly title = 'InvalidParamsError';
  constructor(message: string, errors?: FieldError[]) {
    super(A2aErrorCode.InvalidParams, message, errors);
  }
}

export class A2aUnsupportedOperationError extends BadRequestError {
  override readonly title = 'UnsupportedOperationError';
  constructor(message: string) {
    super(A2aErrorCode.UnsupportedOperation, message);
  }
}

export class A2aContentTypeNotSupportedError extends BadRequestError {
  override readonly title = 'ContentTypeNotSupportedError';
  constructor(message: string) {
    super(A2aErrorCode.ContentTypeNotSupported, message);
  }
}

export class A2aPushConfigNotFoundError extends NotFoundError {
  constructor(taskId: string, configId: string) {
    super(
      A2aErrorCode.PushConfigNotFound,
      `Task "${taskId.slice(0, 80)}" has no push notification config "${configId.slice(0, 80)}".`,
    );
  }
}
