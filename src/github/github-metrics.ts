import { Counter, register } from 'prom-client';

// prom-client's registry is process-wide (tests build several apps): made once.
export const githubRequests =
  (register.getSingleMetric('github_requests_total') as
    Counter<'action' | 'outcome'> | undefined) ??
  new Counter({
    name: 'github_requests_total',
    help: 'Calls to the GitHub API by github steps, by action (comment, status, find_comment, token) and outcome (ok, retryable, failed)',
    labelNames: ['action', 'outcome'],
  });
