// Envoy local replies — responses the gateway makes itself — with Envoy's status codes and bodies,
// so Istio users recognise them (DESIGN.md "Gateways answer like Envoy";
// reference/istio-semantics.md "Local replies"). Envoy sends local reply bodies as `text/plain`;
// an empty body carries no content-type.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/local_reply

export const LOCAL_REPLY_BODY = Object.freeze({
  noHealthyUpstream: 'no healthy upstream',
  overflow: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  upstreamTimeout: 'upstream request timeout',
  streamDurationTimeout: 'downstream duration timeout',
  connectFailure: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  connectionTermination: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  faultAbort: 'fault filter abort',
  rbacDenied: 'RBAC: access denied',
  rateLimited: 'local_rate_limited',
});

/** What a local reply said, kept so a gRPC caller can be answered in gRPC (see toGrpcLocalReply). */
const LOCAL = new WeakMap<Response, { body: string | Uint8Array; grpcStatus?: number }>();

/**
 * A local reply: `text/plain` body (none when empty) plus `extraHeaders` (which may override).
 * `grpcStatus` is the status a gRPC caller gets instead of the one mapped from `status`.
 */
export function localReply(status: number, body: string | Uint8Array = '', extraHeaders?: HeadersInit, grpcStatus?: number): Response {
  // Null-body statuses (1xx, 204, 205, 304) cannot carry a body.
  const send = (typeof body === 'string' ? body !== '' : body.byteLength > 0) && !(status < 200 || status === 204 || status === 205 || status === 304);
  const headers = new Headers(extraHeaders); // repeated headers (set-cookie) kept
  if (send && !headers.has('content-type')) headers.set('content-type', 'text/plain');
  const res = new Response(send ? body : null, { status, headers });
  LOCAL.set(res, grpcStatus === undefined ? { body } : { body, grpcStatus });
  return res;
}

/** Envoy Grpc::Utility::httpToGrpcStatus. */
function grpcStatusOf(http: number): number {
  switch (http) {
    case 400: return 13; // INTERNAL
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 12; // UNIMPLEMENTED
    case 429: case 502: case 503: case 504: return 14; // UNAVAILABLE
    default: return 2; // UNKNOWN
  }
}

/** grpc-message is percent-encoded outside printable ASCII, and `%` itself (gRPC HTTP/2 spec). */
const utf8 = new TextEncoder();
const grpcMessage = (s: string) => s.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => [...utf8.encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));

/**
 * A local reply to a gRPC request, as Envoy's sendLocalReply answers one: HTTP 200, trailers-only
 * `application/grpc` with `grpc-status` (from the HTTP status, or the one given) and the body as
 * `grpc-message`; other headers kept. Undefined when `res` is not a local reply.
 * https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md
 */
export function toGrpcLocalReply(res: Response): Response | undefined {
  const local = LOCAL.get(res);
  if (!local) return undefined;
  const headers = new Headers(res.headers);
  headers.set('content-type', 'application/grpc');
  headers.set('grpc-status', String(local.grpcStatus ?? grpcStatusOf(res.status)));
  const body = typeof local.body === 'string' ? local.body : new TextDecoder().decode(local.body);
  if (body) headers.set('grpc-message', grpcMessage(body));
  else headers.delete('grpc-message');
  return new Response(null, { status: 200, headers });
}

/** No virtual host or route matched (NR). */
export const noRoute = (h?: HeadersInit): Response => localReply(404, '', h);
/** The route's cluster does not exist (unknown host, undefined subset). */
export const clusterNotFound = (h?: HeadersInit): Response => localReply(503, '', h);
/** No healthy endpoint (UH). */
export const noHealthyUpstream = (h?: HeadersInit): Response => localReply(503, LOCAL_REPLY_BODY.noHealthyUpstream, h);
/** Circuit breaker / pool overflow (UO). */
export const overflow = (h?: HeadersInit): Response =>
  localReply(503, LOCAL_REPLY_BODY.overflow, mergeHeaders({ 'x-envoy-overloaded': 'true' }, h));
/** Upstream request timeout (UT). */
export const upstreamTimeout = (h?: HeadersInit): Response => localReply(504, LOCAL_REPLY_BODY.upstreamTimeout, h);
/** The stream outlived its maximum duration, e.g. a gRPC caller's grpc-timeout (Envoy onStreamMaxDurationReached: DEADLINE_EXCEEDED). */
export const streamDurationTimeout = (h?: HeadersInit): Response => localReply(408, LOCAL_REPLY_BODY.streamDurationTimeout, h, 4);
/** Upstream connect failure (UF). */
export const connectFailure = (h?: HeadersInit): Response => localReply(503, LOCAL_REPLY_BODY.connectFailure, h);
/** The upstream reset the connection before response headers (UC). */
export const connectionTermination = (h?: HeadersInit): Response => localReply(503, LOCAL_REPLY_BODY.connectionTermination, h);
/** Fault injection abort with the configured HTTP status (FI). */
export const faultAbort = (status: number, h?: HeadersInit): Response => localReply(status, LOCAL_REPLY_BODY.faultAbort, h);
/** AuthorizationPolicy denied. */
export const rbacDenied = (h?: HeadersInit): Response => localReply(403, LOCAL_REPLY_BODY.rbacDenied, h);
/** Local rate limit (RL). */
export const rateLimited = (h?: HeadersInit): Response => localReply(429, LOCAL_REPLY_BODY.rateLimited, h);
/** A route's direct_response: Envoy answers it with sendLocalReply, so `text/plain` and gRPC-converted. */
export const directResponse = (status: number, body: string | Uint8Array | null, h?: HeadersInit): Response => localReply(status, body ?? '', h);
/** A redirect (route redirect, https_redirect, path normalization): a local reply with an empty body. */
export const redirect = (status: number, location: string): Response => localReply(status, '', { location });
/** Egress to an unregistered host under REGISTRY_ONLY (BlackHoleCluster). */
export const blackHole = (h?: HeadersInit): Response => localReply(502, '', h);
/** Malformed request, e.g. a rejected path (Envoy sends an empty body). */
export const badRequest = (body = '', h?: HeadersInit): Response => localReply(400, body, h);

function mergeHeaders(base: Record<string, string>, extra?: HeadersInit): HeadersInit {
  if (!extra) return base;
  const h = new Headers(base);
  new Headers(extra).forEach((v, k) => h.set(k, v));
  return h;
}
