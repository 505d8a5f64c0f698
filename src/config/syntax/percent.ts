import { z } from 'zod';

// istio.networking.v1alpha3.Percent: `{value: double}` in [0, 100].
export const percent = z.strictObject({ value: z.number() }).superRefine((p, ctx) => {
  if (!(p.value >= 0 && p.value <= 100)) ctx.addIssue({ code: 'custom', path: ['value'], message: `percentage ${p.value} is not in range 0..100` });
});
export type Percent = z.infer<typeof percent>;

/** Fault percentages: 0, or in [0.0001, 100] (Envoy's parts-per-million granularity). */
export const faultPercent = percent.superRefine((p, ctx) => {
  if (p.value !== 0 && p.value < 0.0001) ctx.addIssue({ code: 'custom', path: ['value'], message: `percentage ${p.value} is neither 0.0 nor in range [0.0001, 100.0]` });
});

/** Legacy integer `percent` fields (deprecated in Istio, still accepted). */
export const intPercent = z.number().int().min(0).max(100);
