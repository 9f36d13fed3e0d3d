import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface Transaction {
  readonly manager: EntityManager;
  /** Runs after COMMIT (never after a rollback): wake-ups, cache invalidation. */
  afterCommit(callback: () => void | Promise<void>): void;
}

/**
 * The one way to write a change: the state change, its audit entry and its domain event
 * go through the same `Transaction`, so they commit or roll back together.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const callbacks: Array<() => void | Promise<void>> = [];
    const result = await this.dataSource.transaction((manager) =>
      work({ manager, afterCommit: (callback) => callbacks.push(callback) }),
    );
    for (const callback of callbacks) {
      try {
        await callback();
      } catch (error) {
        this.logger.warn({ err: error }, 'An after-commit callback failed');
      }
    }
    return result;
  }
}
