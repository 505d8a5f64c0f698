import { z } from 'zod';
import { isCIDROrIP } from '../../syntax/host.ts';

// meshgate's own mesh-wide settings, kept in the MeshConfig under `meshgate:` (DESIGN.md
// "Mesh-wide settings and decisions"). Defaults are applied by the translator, not here.

export const trustedProxies = z.strictObject({
  /** Peers (IP or CIDR) whose client-certificate header (clientCertHeader) is believed. */
  cidrs: z
    .array(z.string())
    .superRefine((list, ctx) => {
      for (const [i, v] of list.entries()) {
        if (!isCIDROrIP(v)) ctx.addIssue({ code: 'custom', path: [i], message: `"${v}" is not an IP address or CIDR range` });
      }
    })
    .optional(),
  /** How a trusted front proxy passes the client certificate: none (the default; then `cidrs` do nothing), Envoy's `x-forwarded-client-cert`, or RFC 9440 `Client-Cert`. */
  clientCertHeader: z.enum(['none', 'xfcc', 'rfc9440']).optional(),
});
export type TrustedProxies = z.infer<typeof trustedProxies>;

export const meshgateSettings = z.strictObject({
  /** Default true: mirrored requests get the `-shadow` Host suffix (Istio ≤1.27 behaviour). */
  mirrorHostSuffix: z.boolean().optional(),
  /** How often gateways poll the control plane for a new snapshot. */
  refreshIntervalMs: z
    .number()
    .superRefine((v, ctx) => {
      if (!Number.isInteger(v)) ctx.addIssue({ code: 'custom', message: 'refreshIntervalMs must be a whole number of milliseconds' });
      else if (v <= 0) ctx.addIssue({ code: 'custom', message: 'refreshIntervalMs must be positive' });
    })
    .optional(),
  trustedProxies: trustedProxies.optional(),
  /** Largest request body buffered so a request can be retried or mirrored. */
  retryBufferBytes: z
    .number()
    .superRefine((v, ctx) => {
      if (!Number.isInteger(v)) ctx.addIssue({ code: 'custom', message: 'retryBufferBytes must be a whole number' });
      else if (v < 0) ctx.addIssue({ code: 'custom', message: 'retryBufferBytes cannot be negative' });
    })
    .optional(),
  /** Honour `x-envoy-max-retries` / `x-envoy-upstream-rq-timeout-ms` from internal callers (default true). */
  internalHeaderOverrides: z.boolean().optional(),
});
export type MeshgateSettings = z.infer<typeof meshgateSettings>;
