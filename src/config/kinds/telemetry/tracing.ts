import { z } from 'zod';
import { providerRef, workloadMode } from './provider-ref.ts';

// Telemetry `tracing[]` (istio/api telemetry/v1alpha1/telemetry.proto Tracing), validated as
// istio/istio validation.go validateTelemetryTracing.

const nonEmpty = (message: string) =>
  z.string().superRefine((v, ctx) => {
    if (v === '') ctx.addIssue({ code: 'custom', message });
  });

/** A span tag: oneof literal | environment | header | formatter (Envoy access-log format string). */
export const customTag = z
  .strictObject({
    literal: z.strictObject({ value: nonEmpty('literal tag value may not be empty') }).optional(),
    environment: z.strictObject({ name: nonEmpty('environment tag name may not be empty'), defaultValue: z.string().optional() }).optional(),
    header: z.strictObject({ name: nonEmpty('header tag name may not be empty'), defaultValue: z.string().optional() }).optional(),
    formatter: z.strictObject({ value: nonEmpty('formatter tag value may not be empty') }).optional(),
  })
  .superRefine((t, ctx) => {
    const set = (['literal', 'environment', 'header', 'formatter'] as const).filter((k) => t[k] !== undefined);
    if (set.length === 0) ctx.addIssue({ code: 'custom', message: 'custom tag must set one of literal, environment, header or formatter' });
    if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1]!], message: `custom tag may set only one of literal, environment, header or formatter (got ${set.join(', ')})` });
  });
export type CustomTag = z.infer<typeof customTag>;

export const tracing = z
  .strictObject({
    match: z.strictObject({ mode: workloadMode.optional() }).optional(),
    /** One provider is supported; omitted ⇒ mesh default tracing provider. */
    providers: z.array(providerRef).optional(),
    /** 0–100 in 0.01 steps; omitted ⇒ inherited from the parent level / mesh. */
    randomSamplingPercentage: z.number().optional(),
    /** Spans are still generated (and propagated) but not reported. */
    disableSpanReporting: z.boolean().optional(),
    /** Replaces (does not merge with) the parent's custom tags. */
    customTags: z.record(z.string(), customTag).optional(),
    /** Default true: add Istio's canonical-service tags to spans. */
    enableIstioTags: z.boolean().optional(),
    /** Default false: propagate trace context headers. */
    disableContextPropagation: z.boolean().optional(),
    /** Hidden in Istio's docs; accepted. */
    useRequestIdForTraceSampling: z.boolean().optional(),
  })
  .superRefine((t, ctx) => {
    const p = t.randomSamplingPercentage;
    if (p !== undefined && (p < 0 || p > 100)) ctx.addIssue({ code: 'custom', path: ['randomSamplingPercentage'], message: 'randomSamplingPercentage must be in range [0.0, 100.0]' });
    for (const name of Object.keys(t.customTags ?? {})) {
      if (name === '') ctx.addIssue({ code: 'custom', path: ['customTags', name], message: 'tag name may not be empty' });
    }
  });
export type Tracing = z.infer<typeof tracing>;
