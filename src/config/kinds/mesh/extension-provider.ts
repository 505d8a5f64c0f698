import { z } from 'zod';
import { HEADER_NAME, port } from '../../syntax/common.ts';
import { duration } from '../../syntax/duration.ts';
import { domainError, isIP, namespacedHostError } from '../../syntax/host.ts';

// MeshConfig `extensionProviders[]` (istio/api mesh/v1alpha1/config.proto ExtensionProvider),
// validated as istio/istio pkg/config/validation/agent/extensionprovider.go does. The ext_authz
// HTTP provider (AuthorizationPolicy CUSTOM) is modelled field by field; the other provider
// types are accepted as loose objects so a pasted Istio mesh config loads.

/** `host` (FQDN or IP) or `namespace/host`. */
function serviceError(service: string): string | undefined {
  if (service === '') return 'service must not be empty';
  if (!service.includes('/')) return isIP(service) || !domainError(service) ? undefined : `invalid service fmt ${service}: ${domainError(service)}`;
  return namespacedHostError(service, { requireNamespace: true, allowTilde: false, allowIP: false });
}

// envoy.type.v3.StatusCode values, the codes Envoy accepts for status_on_error.
const ENVOY_STATUS_CODES = new Set([
  100, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

const service = z.string().superRefine((v, ctx) => {
  const err = serviceError(v);
  if (err) ctx.addIssue({ code: 'custom', message: err });
});

const statusOnError = z.string().superRefine((v, ctx) => {
  if (v === '') return;
  if (!/^\d+$/.test(v)) ctx.addIssue({ code: 'custom', message: `invalid statusOnError value ${v}: not a number` });
  else if (!ENVOY_STATUS_CODES.has(Number(v))) ctx.addIssue({ code: 'custom', message: `unsupported statusOnError value ${v}: use an HTTP status code Envoy knows (e.g. 403, 500, 503)` });
});

export const extAuthzBodySettings = z.strictObject({
  maxRequestBytes: z.number().int().min(0).optional(),
  allowPartialMessage: z.boolean().optional(),
  packAsBytes: z.boolean().optional(),
});

export const envoyExtAuthzHttp = z
  .strictObject({
    /** The authorizer's host (`ns/host` or FQDN). */
    service,
    port,
    /** Default 600s in Istio. */
    timeout: duration().optional(),
    /** Prepended to the request path in the check request. */
    pathPrefix: z.string().optional(),
    /** Default false: allow the request when the authorizer is unreachable. */
    failOpen: z.boolean().optional(),
    clearRouteCache: z.boolean().optional(),
    /** Status returned when the authorizer errors (default 403). */
    statusOnError: statusOnError.optional(),
    /** Deprecated; use includeRequestHeadersInCheck. */
    includeHeadersInCheck: z.array(z.string()).optional(),
    /** Request headers sent to the authorizer (besides Host, Method, Path, Content-Length, Authorization). */
    includeRequestHeadersInCheck: z.array(z.string()).optional(),
    includeAdditionalHeadersInCheck: z.record(z.string().regex(HEADER_NAME, 'invalid header name: a header name is an RFC 9110 token'), z.string()).optional(),
    includeRequestBodyInCheck: extAuthzBodySettings.optional(),
    /** Authorizer response headers copied to the upstream request on allow. */
    headersToUpstreamOnAllow: z.array(z.string()).optional(),
    /** Authorizer response headers copied to the client response on deny. */
    headersToDownstreamOnDeny: z.array(z.string()).optional(),
    headersToDownstreamOnAllow: z.array(z.string()).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.pathPrefix !== undefined && p.pathPrefix !== '' && !p.pathPrefix.startsWith('/')) {
      ctx.addIssue({ code: 'custom', path: ['pathPrefix'], message: `pathPrefix should begin with \`/\` but found ${JSON.stringify(p.pathPrefix)}` });
    }
  });
export type EnvoyExtAuthzHttpProvider = z.infer<typeof envoyExtAuthzHttp>;

const loose = z.record(z.string(), z.unknown());

export const PROVIDER_TYPES = [
  'envoyExtAuthzHttp', 'envoyExtAuthzGrpc', 'zipkin', 'lightstep', 'datadog', 'stackdriver', 'opencensus', 'skywalking',
  'opentelemetry', 'prometheus', 'envoyFileAccessLog', 'envoyHttpAls', 'envoyTcpAls', 'envoyOtelAls', 'sds',
] as const;

export const extensionProvider = z
  .strictObject({
    /** Referenced by AuthorizationPolicy `provider.name` and Telemetry `providers[].name`. */
    name: z.string(),
    envoyExtAuthzHttp: envoyExtAuthzHttp.optional(),
    envoyExtAuthzGrpc: loose.optional(),
    zipkin: loose.optional(),
    lightstep: loose.optional(),
    datadog: loose.optional(),
    stackdriver: loose.optional(),
    opencensus: loose.optional(),
    skywalking: loose.optional(),
    opentelemetry: loose.optional(),
    prometheus: loose.optional(),
    envoyFileAccessLog: loose.optional(),
    envoyHttpAls: loose.optional(),
    envoyTcpAls: loose.optional(),
    envoyOtelAls: loose.optional(),
    sds: loose.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.name === '') ctx.addIssue({ code: 'custom', path: ['name'], message: 'empty extension provider name' });
    const set = PROVIDER_TYPES.filter((t) => p[t] !== undefined);
    if (set.length === 0) ctx.addIssue({ code: 'custom', message: `invalid extension provider ${p.name}: set one provider type (${PROVIDER_TYPES.join(', ')})` });
    if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1]!], message: `invalid extension provider ${p.name}: only one provider type may be set (got ${set.join(', ')})` });
  });
export type ExtensionProvider = z.infer<typeof extensionProvider>;
