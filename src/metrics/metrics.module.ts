import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import {
  makeCounterProvider,
  makeHistogramProvider,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL, HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';

const LABELS = ['method', 'route', 'status_code'];

@Global()
@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: true },
    }),
  ],
  providers: [
    HttpMetrics,
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
  ],
  exports: [PrometheusModule],
})
export class MetricsModule implements OnApplicationShutdown {
  /** prom-client's registry is process-wide: leave it empty for the next app in this process. */
  onApplicationShutdown(): void {
    register.clear();
  }
}
