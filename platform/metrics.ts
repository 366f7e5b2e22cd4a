import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per component, created by whoever starts the
 * component and passed down (no global registry: two components in one test
 * process must not share counters).
 */
export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'route' | 'outcome'>;
  latency: Histogram<'route' | 'outcome'>;
}

export function createHttpMetrics(component: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'govshare_http_requests_total',
    help: 'HTTP requests by route and outcome (ok, client_error, server_error)',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'govshare_http_request_duration_seconds',
    help: 'HTTP request latency by route and outcome',
    labelNames: ['route', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, requests, latency };
}

export function outcomeOf(status: number): 'ok' | 'client_error' | 'server_error' {
  return status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'ok';
}

/** Wires `startHttpServer`'s onResponse to the request counter and histogram. */
export function recordResponse(metrics: HttpMetrics) {
  return ({ route, status, seconds }: { route: string; status: number; seconds: number }) => {
    const labels = { route, outcome: outcomeOf(status) };
    metrics.requests.inc(labels);
    metrics.latency.observe(labels, seconds);
  };
}
