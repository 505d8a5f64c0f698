import { z } from 'zod';
import { celSyntaxError } from './cel-syntax.ts';
import { providerRef, workloadMode } from './provider-ref.ts';

// Telemetry `accessLogging[]` (istio/api telemetry/v1alpha1/telemetry.proto AccessLogging).

/** Logged only when the CEL expression is true, e.g. `response.code >= 400`. */
export const accessLogFilter = z.strictObject({
  expression: z.string().superRefine((v, ctx) => {
    const err = celSyntaxError(v);
    if (err) ctx.addIssue({ code: 'custom', message: `must be a valid CEL expression, ${err}` });
  }),
});
export type AccessLogFilter = z.infer<typeof accessLogFilter>;

export const accessLogging = z.strictObject({
  match: z.strictObject({ mode: workloadMode.optional() }).optional(),
  /** Omitted ⇒ the mesh's default access-log providers. */
  providers: z.array(providerRef).optional(),
  /** Turns logging off for this scope. */
  disabled: z.boolean().optional(),
  filter: accessLogFilter.optional(),
});
export type AccessLogging = z.infer<typeof accessLogging>;
