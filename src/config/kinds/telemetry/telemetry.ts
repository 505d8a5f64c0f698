import { z } from 'zod';
import { checkOneOfScope, policyScopeFields, warnEmptySelector } from '../security/policy-scope.ts';
import { defineKind } from '../types.ts';
import { accessLogging } from './access-logging.ts';
import { metrics } from './metrics.ts';
import { tracing } from './tracing.ts';

// Telemetry (istio/api telemetry/v1alpha1/telemetry.proto): tracing, metrics and access logging
// per scope (root namespace ⇒ mesh, namespace, workload selector or targetRefs), the more
// specific scope overriding the less specific. Validation: istio/istio validation.go
// ValidateTelemetry. https://istio.io/latest/docs/reference/config/telemetry/

export { tracing, customTag } from './tracing.ts';
export type { Tracing, CustomTag } from './tracing.ts';
export { metrics, metricsOverrides, metricSelector, tagOverride, istioMetric } from './metrics.ts';
export type { Metrics, MetricsOverrides, MetricSelector, TagOverride, IstioMetric } from './metrics.ts';
export { accessLogging, accessLogFilter } from './access-logging.ts';
export type { AccessLogging, AccessLogFilter } from './access-logging.ts';
export { providerRef, workloadMode } from './provider-ref.ts';
export type { ProviderRef, WorkloadMode } from './provider-ref.ts';
export { celSyntaxError } from './cel-syntax.ts';

export const telemetrySpec = z
  .strictObject({
    ...policyScopeFields,
    tracing: z.array(tracing).optional(),
    metrics: z.array(metrics).optional(),
    accessLogging: z.array(accessLogging).optional(),
  })
  .superRefine(checkOneOfScope);
export type TelemetrySpec = z.infer<typeof telemetrySpec>;

export const telemetry = defineKind({
  group: 'telemetry.istio.io',
  kind: 'Telemetry',
  versions: ['v1', 'v1alpha1'],
  plural: 'telemetries',
  shortNames: ['telemetry'],
  body: 'spec',
  spec: telemetrySpec,
  check: (r, report) => {
    warnEmptySelector(r.spec, report);
    const traces = r.spec.tracing ?? [];
    if (traces.length > 1) report(['spec', 'tracing'], 'multiple tracing is not currently supported', 'warning');
    for (const [i, t] of traces.entries()) {
      if ((t.providers?.length ?? 0) > 1) report(['spec', 'tracing', i, 'providers'], 'multiple providers is not currently supported', 'warning');
    }
    for (const [i, m] of (r.spec.metrics ?? []).entries()) {
      for (const [j, o] of (m.overrides ?? []).entries()) {
        if (Object.hasOwn(o.tagOverrides ?? {}, '')) report(['spec', 'metrics', i, 'overrides', j, 'tagOverrides'], 'tagOverrides.name may not be empty', 'warning');
      }
    }
    // Stored and served, not yet executed by the gateways: said at apply (info), never silently.
    const NOT_YET = { tracing: 'the gateways propagate trace headers and sample 1% of new traces whatever it says', metrics: 'the gateways export no metrics yet', accessLogging: 'the gateways write no access log yet' } as const;
    for (const field of ['tracing', 'metrics', 'accessLogging'] as const) {
      if (r.spec[field]?.length) report(['spec', field], `${field} has no effect yet: ${NOT_YET[field]}`, 'info');
    }
  },
});
