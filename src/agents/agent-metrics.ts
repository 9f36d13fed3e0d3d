import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { AGENT_STATUSES as STATUSES } from './entities/agent.entity';

// prom-client's registry is process-wide: the gauge is made once and reads the application that
// registered last (tests build several).
let read: (() => Promise<Record<string, number>>) | undefined;
let latest: Record<string, number> = {};

if (!register.getSingleMetric('agents')) {
  new Gauge({
    name: 'agents',
    help: 'Registered agents, by status (online, degraded, draining, offline)',
    labelNames: ['status'],
    async collect() {
      if (read) latest = await read().catch(() => latest);
      for (const status of STATUSES) this.set({ status }, latest[status] ?? 0);
    },
  });
}

/** `agents{status}` on /metrics: one grouped count per scrape, every tenant together. */
@Injectable()
export class AgentMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    read = async () => {
      const rows = await this.dataSource.query<Array<{ status: string; n: number }>>(
        `SELECT status, count(*)::int AS n FROM agents GROUP BY status`,
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    };
  }

  onModuleDestroy(): void {
    read = undefined;
  }
}
