import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface Transaction {
  readonly manager: EntityManager;
  /**
   * Runs inside the transaction once the work is done, just before COMMIT, in registration
   * order: where audit entries and domain events buffered by the change are written, one
   * multi-row INSERT each instead of a round trip per row.
   */
  beforeCommit(callback: () => Promise<void>): void;
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
    const result = await this.dataSource.transaction(async (manager) => {
      const beforeCommit: Array<() => Promise<void>> = [];
      const value = await work({
        manager,
        beforeCommit: (callback) => beforeCommit.push(callback),
        afterCommit: (callback) => callbacks.push(callback),
      });
      // A callback may register another (a flush that buffers more): run until none is left.
      for (let index = 0; index < beforeCommit.length; index += 1) await beforeCommit[index]();
      return value;
    });
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
