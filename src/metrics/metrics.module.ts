import { Global, Module } from '@nestjs/common';
import {
  makeCounterProvider,
  makeHistogramProvider,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { BacklogMetrics } from './backlog-metrics';
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL, HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';

export const HTTP_DENIED_TOTAL = 'http_denied_total';

const LABELS = ['method', 'route', 'status_code'];

const SHARED_METRICS = [
  makeCounterProvider({
    name: HTTP_REQUESTS_TOTAL,
    help: 'HTTP requests by method, route template and status code',
    labelNames: LABELS,
  }),
  makeHistogramProvider({
    name: HTTP_REQUEST_DURATION,
    help: 'HTTP request duration in seconds by method, route template and status code',
    labelNames: LABELS,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  makeCounterProvider({
    name: HTTP_DENIED_TOTAL,
    help: 'Requests refused with 401, 403 or 429, by reason',
    labelNames: ['reason'],
  }),
];

@Global()
@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      // Collected below, once per process: prom-client's registry is process-wide.
      defaultMetrics: { enabled: false },
    }),
  ],
  providers: [HttpMetrics, BacklogMetrics, ...SHARED_METRICS],
  exports: [PrometheusModule, ...SHARED_METRICS],
})
export class MetricsModule {
  constructor() {
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
  }
}
