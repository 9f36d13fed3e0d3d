import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Whether the schema is at the migrations this build ships; once true it stays true. */
@Injectable()
export class MigrationState {
  private applied = false;

  constructor(private readonly dataSource: DataSource) {}

  async isApplied(): Promise<boolean> {
    if (this.applied) return true;
    const pending = await this.dataSource.showMigrations();
    this.applied = !pending;
    return this.applied;
  }
}
