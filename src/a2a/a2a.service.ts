import { Injectable } from '@nestjs/common';
import { TenantsService } from '../auth/tenants.service';
import { ConflictError } from '../common/errors/domain-error';
import { currentTenantId } from '../common/context/request-context';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { DefinitionsService } from '../workflows/definitions.service';
import type { WorkflowDefinition } from '../workflows/entities/workflow-definition.entity';
import { RunsService } from '../workflows/runs.service';
import {
  DefinitionNotFoundError,
  RunNotFoundError,
  WorkflowErrorCode,
} from '../workflows/workflows.errors';
import {
  A2aInvalidParamsError,
  A2aTaskNotCancelableError,
  A2aTaskNotFoundError,
} from './a2a.errors';
import { A2aTask, taskFromRun } from './a2a-task';
import { runRequestOf } from './send-message';
import { serviceCard } from './service-card';
import type { SendMessageRequestDto } from './dto/send-message.dto';

const DEFINITIONS_PAGE = 200;

/** The A2A 1.0 surface over runs: the tenant's card, and tasks that are runs. */
@Injectable()
export class A2aService {
  constructor(
    private readonly runs: RunsService,
    private readonly definitions: DefinitionsService,
    private readonly tenants: TenantsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Built on every call, so the skills follow the definitions as they change. */
  async card(): Promise<Record<string, unknown>> {
    const tenantId = currentTenantId();
    const tenant = (await this.tenants.find(tenantId)) ?? { id: tenantId, name: tenantId };
    const definitions: WorkflowDefinition[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.definitions.list(DEFINITIONS_PAGE, cursor);
      definitions.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return serviceCard(tenant, definitions, this.config.publicUrl);
  }

  async send(body: SendMessageRequestDto): Promise<{ task: A2aTask }> {
    const request = runRequestOf(body.message, body.metadata);
    try {
      const detail = await this.runs.start({
        definitionKey: request.skillId,
        input: request.input,
      });
      return { task: taskFromRun(detail) };
    } catch (error) {
      if (error instanceof DefinitionNotFoundError) {
        throw new A2aInvalidParamsError('The SendMessageRequest is not valid.', [
          {
            field: 'message.metadata.skillId',
            message: `no skill (workflow definition) "${request.skillId.slice(0, 80)}" in this tenant`,
          },
        ]);
      }
      throw error;
    }
  }

  async get(id: string): Promise<A2aTask> {
    try {
      return taskFromRun(await this.runs.get(id));
    } catch (error) {
      if (error instanceof RunNotFoundError) throw new A2aTaskNotFoundError(id);
      throw error;
    }
  }

  async cancel(id: string): Promise<A2aTask> {
    try {
      return taskFromRun(await this.runs.cancel(id));
    } catch (error) {
      if (error instanceof RunNotFoundError) throw new A2aTaskNotFoundError(id);
      if (
        error instanceof ConflictError &&
        (error.code as WorkflowErrorCode) === WorkflowErrorCode.RunFinished
      ) {
        throw new A2aTaskNotCancelableError(id, (await this.get(id)).status.state);
      }
      throw error;
    }
  }
}
