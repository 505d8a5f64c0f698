import { z } from 'zod';
import { destination } from './vs-destination.ts';

// Mirroring (virtual_service.proto HTTPRoute.mirror/mirrors/mirrorPercentage/mirrorPercent,
// HTTPMirrorPolicy; virtualservice.go validateHTTPRoute, validation.go validateHTTPMirrors).
// Fire-and-forget: the mirror's response is discarded. Absent percentage ⇒ 100%, 0 ⇒ none.

const fmt = (v: number) => v.toFixed(6); // Go's %f

/** Percent with the wording Istio uses for `what` (`mirror_percentage`, `mirror percentage`). */
function mirrorPercent(what: string) {
  return z.strictObject({ value: z.number() }).superRefine((p, ctx) => {
    if (p.value > 100) ctx.addIssue({ code: 'custom', path: ['value'], message: `${what} must have a max value of 100 (it has ${fmt(p.value)})` });
    if (p.value < 0) ctx.addIssue({ code: 'custom', path: ['value'], message: `${what} must have a min value of 0 (it has ${fmt(p.value)})` });
  });
}

/** HTTPRoute.mirrorPercentage (applies to `mirror`). */
export const mirrorPercentage = mirrorPercent('mirror_percentage');

/** Deprecated HTTPRoute.mirrorPercent (UInt32Value). */
export const legacyMirrorPercent = z.number().int().min(0).superRefine((v, ctx) => {
  if (v > 100) ctx.addIssue({ code: 'custom', message: `mirror_percent must have a max value of 100 (it has ${v})` });
});

export const httpMirrorPolicy = z.strictObject({
  destination,
  /** Absent ⇒ 100%. */
  percentage: mirrorPercent('mirror percentage').optional(),
});
export type HTTPMirrorPolicy = z.infer<typeof httpMirrorPolicy>;
