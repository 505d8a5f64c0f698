import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';
import { domainError, isIP } from '../../syntax/host.ts';
import { port } from '../../syntax/common.ts';
import { loadBalancerSettings } from './load-balancer.ts';
import { connectionPoolSettings } from './connection-pool.ts';
import { outlierDetection } from './outlier-detection.ts';
import { clientTLSSettings } from './client-tls.ts';

// TrafficPolicy (destination_rule.proto) and validation.go validateTrafficPolicy /
// validatePortTrafficPolicies / validateTunnelSettings. A port-level entry replaces (does not
// merge with) the top-level loadBalancer/connectionPool/outlierDetection/tls for that port.
// https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy

export const portTrafficPolicy = z
  .strictObject({
    port: z.strictObject({ number: port }),
    loadBalancer: loadBalancerSettings.optional(),
    connectionPool: connectionPoolSettings.optional(),
    outlierDetection: outlierDetection.optional(),
    tls: clientTLSSettings.optional(),
  })
  .superRefine((p, ctx) => {
    if (!p.loadBalancer && !p.connectionPool && !p.outlierDetection && !p.tls) ctx.addIssue({ code: 'custom', message: 'port traffic policy must have at least one field' });
  });
export type PortTrafficPolicy = z.infer<typeof portTrafficPolicy>;

/** Tunnel TCP over HTTP CONNECT (default) or POST to targetHost:targetPort. */
export const tunnelSettings = z
  .strictObject({
    protocol: z.string().optional(),
    targetHost: z.string().optional(),
    targetPort: z.number().int().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.protocol !== undefined && t.protocol !== '' && t.protocol !== 'CONNECT' && t.protocol !== 'POST') {
      ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'tunnel protocol must be "CONNECT" or "POST"' });
    }
    const host = t.targetHost ?? '';
    const hostErr = isIP(host) ? undefined : host.includes('*') ? `domain name "${host}" invalid (wildcard not allowed)` : domainError(host, { partialWildcard: false });
    if (hostErr) ctx.addIssue({ code: 'custom', path: ['targetHost'], message: `tunnel target host must be valid FQDN or IP address: ${hostErr}` });
    const p = t.targetPort ?? 0;
    if (p < 1 || p > 65535) ctx.addIssue({ code: 'custom', path: ['targetPort'], message: `tunnel target port is invalid: port number ${p} must be in the range 1..65535` });
  });
export type TunnelSettings = z.infer<typeof tunnelSettings>;

/** Upstream PROXY protocol header; version default V1. */
export const proxyProtocol = z.strictObject({ version: z.enum(['V1', 'V2']).optional() });
export type ProxyProtocol = z.infer<typeof proxyProtocol>;

/** Envoy retry budget: retries ≤ percent (default 20) of active requests, floor minRetryConcurrency (default 3). */
export const retryBudget = z.strictObject({
  percent: z
    .number()
    .superRefine((v, ctx) => {
      if (!(v >= 0 && v <= 100)) ctx.addIssue({ code: 'custom', message: `percentage ${v} is not in range 0..100` });
    })
    .optional(),
  minRetryConcurrency: z.number().int().min(0).max(4294967295).optional(),
  /** Window of past requests counted toward the budget; unset/0 ⇒ only active requests. */
  budgetInterval: duration({ allowZero: true }).optional(),
});
export type RetryBudget = z.infer<typeof retryBudget>;

export const trafficPolicy = z
  .strictObject({
    loadBalancer: loadBalancerSettings.optional(),
    connectionPool: connectionPoolSettings.optional(),
    outlierDetection: outlierDetection.optional(),
    tls: clientTLSSettings.optional(),
    portLevelSettings: z.array(portTrafficPolicy).max(4096).optional(),
    tunnel: tunnelSettings.optional(),
    proxyProtocol: proxyProtocol.optional(),
    retryBudget: retryBudget.optional(),
  })
  .superRefine((t, ctx) => {
    if (Object.values(t).every((v) => v === undefined)) ctx.addIssue({ code: 'custom', message: 'traffic policy must have at least one field' });
    if (t.tunnel && t.proxyProtocol) ctx.addIssue({ code: 'custom', path: ['proxyProtocol'], message: 'tunnel and proxyProtocol must not be set together' });
  });
export type TrafficPolicy = z.infer<typeof trafficPolicy>;
