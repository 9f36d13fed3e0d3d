import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AGENT_STATUSES as STATUSES } from './entities/agent.entity';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { boundedCount, ESTIMATE_NOTE } from '../metrics/bounded-count';
import { ScrapeSnapshot } from '../metrics/scrape-snapshot';

const counts = new ScrapeSnapshot<Record<string, number>>({});

/**
 * `agents{status}` on /metrics, every tenant together: per status, an index scan of `agents_status`
 * that stops at EXACT_UP_TO rows, and past that the planner's estimate, so a scrape costs the
 * same at 1,000 agents and at 1,000,000.
 */
@Injectable()
export class AgentMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    counts.gauge(
      'agents',
      `Registered agents, by status (online, degraded, draining, offline); ${ESTIMATE_NOTE}`,
      ['status'],
      (g, byStatus) => {
        for (const status of STATUSES) g.set({ status }, byStatus[status] ?? 0);
      },
    );
    counts.readFrom(async () => {
      const values = await Promise.all(
        STATUSES.map((status) =>
          boundedCount(this.dataSource, `SELECT 1 FROM agents WHERE status = '${status}'`),
        ),
      );
      return Object.fromEntries(STATUSES.map((status, i) => [status, values[i]]));
    }, this.config.metricsCacheMs);
  }

  onModuleDestroy(): void {
    counts.stopReading();
  }
}
