import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';

// ConnectionPoolSettings (destination_rule.proto), shared by DestinationRule and Sidecar
// (inboundConnectionPool, ingress[].connectionPool); rules of validation.go validateConnectionPool.
// Defaults (translator): maxConnections, http1MaxPendingRequests, http2MaxRequests, maxRetries
// 2^32-1; connectTimeout 10s; idle timeouts 1h (tcp `0s` disables); maxRequestsPerConnection 0 =
// unlimited; maxConcurrentStreams 2^31-1. Overflow ⇒ 503 UO with `x-envoy-overloaded: true`.
// https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings

/** proto int32 counters: Istio rejects negatives with a per-field message. */
const counter = (what: string) =>
  z.number().int().max(2147483647).superRefine((v, ctx) => {
    if (v < 0) ctx.addIssue({ code: 'custom', message: `${what} must be non-negative` });
  });

const tcpKeepalive = z.strictObject({
  probes: z.number().int().min(0).max(4294967295).optional(),
  time: duration().optional(),
  interval: duration().optional(),
});

const tcpSettings = z.strictObject({
  maxConnections: counter('max connections').optional(),
  connectTimeout: duration().optional(),
  tcpKeepalive: tcpKeepalive.optional(),
  maxConnectionDuration: duration().optional(),
  idleTimeout: duration({ allowZero: true }).optional(),
});

const http2KeepAlive = z
  .strictObject({ interval: duration().optional(), timeout: duration().optional() })
  .superRefine((k, ctx) => {
    if (k.interval === undefined) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'http2KeepAlive interval is required' });
    if (k.timeout === undefined) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'http2KeepAlive timeout is required' });
  });

const httpSettings = z
  .strictObject({
    http1MaxPendingRequests: counter('http1 max pending requests').optional(),
    http2MaxRequests: counter('http2 max requests').optional(),
    maxRequestsPerConnection: counter('max requests per connection').optional(),
    maxRetries: counter('max retries').optional(),
    idleTimeout: duration().optional(),
    h2UpgradePolicy: z.enum(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']).optional(),
    useClientProtocol: z.boolean().optional(),
    maxConcurrentStreams: counter('max concurrent streams').optional(),
    http2KeepAlive: http2KeepAlive.optional(),
  })
  .superRefine((h, ctx) => {
    if (h.useClientProtocol && h.h2UpgradePolicy === 'UPGRADE') ctx.addIssue({ code: 'custom', path: ['useClientProtocol'], message: 'use client protocol must not be true when H2UpgradePolicy is UPGRADE' });
  });

export const connectionPoolSettings = z
  .strictObject({ tcp: tcpSettings.optional(), http: httpSettings.optional() })
  .superRefine((c, ctx) => {
    if (!c.tcp && !c.http) ctx.addIssue({ code: 'custom', message: 'connection pool must have at least one field' });
  });
export type ConnectionPoolSettings = z.infer<typeof connectionPoolSettings>;
export type TCPSettings = z.infer<typeof tcpSettings>;
export type HTTPSettings = z.infer<typeof httpSettings>;
