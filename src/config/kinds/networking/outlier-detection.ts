import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';

// OutlierDetection (destination_rule.proto); rules of validation.go validateOutlierDetection.
// Defaults (translator): consecutive5xxErrors 5 (0 disables), consecutiveGatewayErrors off,
// consecutiveLocalOriginFailures 5 (only with splitExternalLocalOriginErrors), interval 10s,
// baseEjectionTime 30s, maxEjectionPercent 10, minHealthPercent 0 (panic mode off).
// The deprecated `consecutiveErrors` is accepted; `check` warns (Istio: a warning).
// https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection

const uint32 = z.number().int().min(0).max(4294967295);
const pct = z.number().int().superRefine((v, ctx) => {
  if (v < 0 || v > 100) ctx.addIssue({ code: 'custom', message: `percentage ${v} is not in range 0..100` });
});

export const outlierDetection = z
  .strictObject({
    /** Deprecated (502/503/504 count): use consecutiveGatewayErrors or consecutive5xxErrors. */
    consecutiveErrors: z.number().int().optional(),
    splitExternalLocalOriginErrors: z.boolean().optional(),
    consecutiveLocalOriginFailures: uint32.optional(),
    consecutiveGatewayErrors: uint32.optional(),
    consecutive5xxErrors: uint32.optional(),
    interval: duration().optional(),
    baseEjectionTime: duration().optional(),
    maxEjectionPercent: pct.optional(),
    minHealthPercent: pct.optional(),
    /** HTTP status codes counted as errors (default: 5xx). */
    outlierDetectionHttpErrorCodes: z.array(z.number().int().min(100, 'status code must be in range 100..599').max(599, 'status code must be in range 100..599')).optional(),
  })
  .superRefine((o, ctx) => {
    if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
      ctx.addIssue({ code: 'custom', path: ['consecutiveLocalOriginFailures'], message: 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false' });
    }
  });
export type OutlierDetection = z.infer<typeof outlierDetection>;

export const CONSECUTIVE_ERRORS_DEPRECATED = 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead';
