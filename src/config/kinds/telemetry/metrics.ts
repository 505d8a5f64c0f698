import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';
import { providerRef, workloadMode } from './provider-ref.ts';

// Telemetry `metrics[]` (istio/api telemetry/v1alpha1/telemetry.proto Metrics), validated as
// istio/istio validation.go validateTelemetryMetrics.

export const istioMetric = z.enum([
  'ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE',
  'TCP_OPENED_CONNECTIONS', 'TCP_CLOSED_CONNECTIONS', 'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES',
  'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES',
]);
export type IstioMetric = z.infer<typeof istioMetric>;

/** oneof metric | customMetric; nothing set ⇒ ALL_METRICS. */
export const metricSelector = z
  .strictObject({
    metric: istioMetric.optional(),
    customMetric: z.string().optional(),
    mode: workloadMode.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.metric !== undefined && m.customMetric !== undefined) ctx.addIssue({ code: 'custom', path: ['customMetric'], message: 'only one of metric or customMetric may be set' });
    if (m.customMetric === '') ctx.addIssue({ code: 'custom', path: ['customMetric'], message: 'customMetric may not be empty' });
  });
export type MetricSelector = z.infer<typeof metricSelector>;

/** Operation defaults to UPSERT, which needs a `value` (a CEL expression); REMOVE takes none. */
export const tagOverride = z
  .strictObject({ operation: z.enum(['UPSERT', 'REMOVE']).optional(), value: z.string().optional() })
  .superRefine((t, ctx) => {
    const op = t.operation ?? 'UPSERT';
    if (op === 'UPSERT' && !t.value) ctx.addIssue({ code: 'custom', path: ['value'], message: 'tagOverrides.value must be set when operation is UPSERT' });
    if (op === 'REMOVE' && t.value) ctx.addIssue({ code: 'custom', path: ['value'], message: 'tagOverrides.value may only be set when operation is UPSERT' });
  });
export type TagOverride = z.infer<typeof tagOverride>;

/** Applied in order, mesh → namespace → workload. */
export const metricsOverrides = z.strictObject({
  match: metricSelector.optional(),
  disabled: z.boolean().optional(),
  tagOverrides: z.record(z.string(), tagOverride).optional(),
});
export type MetricsOverrides = z.infer<typeof metricsOverrides>;

export const metrics = z.strictObject({
  providers: z.array(providerRef).optional(),
  overrides: z.array(metricsOverrides).optional(),
  /** TCP metrics reporting interval; default 5s. */
  reportingInterval: duration().optional(),
});
export type Metrics = z.infer<typeof metrics>;
