import { SVID_HEADER } from '../mtls/workload-identity.ts';
import { IdentityTokenSource, type MeshIdentityBinding } from './identity.ts';

// meshFetch: the edge equivalent of sidecar capture. A Worker's outbound calls go through the
// egress gateway's service binding, which takes the request URL's host and port as the
// destination (as a sidecar does after capturing an outbound connection) and applies the mesh's
// routing and policy for that host.
//
//   const f = meshFetch(env, { from: request, identity: { namespace: 'default', serviceAccount: 'bookinfo-productpage' } });
//   const res = await f('http://reviews.default.svc.cluster.local:9080/reviews/0', { headers: { 'end-user': 'jason' } });
//
// Trace propagation: a Worker cannot know which incoming request an outbound call belongs to, so
// the trace context (x-request-id, traceparent, tracestate, b3, x-b3-*) is only copied when the
// caller passes the incoming request as `from` (or sets the headers itself). Nothing is invented:
// the gateway generates x-request-id when a request arrives without one.
//
// Identity (docs/identity.md "Workload identity for Workers"): with a bootstrap secret —
// `identity: {secret}`, or `env.MESHGATE_IDENTITY_SECRET` — meshFetch gets a short-lived JWT-SVID
// from the control plane over the `MESH_IDENTITY` RPC binding (XdsService), caches and renews it
// (./identity.ts) and sends it as `x-meshgate-svid` on every call, replacing any caller-set value.
// Gateways verify it and authorize by its SPIFFE ID.
// `identity: {namespace, serviceAccount}` (no secret) only sends
// `x-meshgate-source: <namespace>/<serviceAccount>`: UNTRUSTED and informational — any Worker
// holding the binding can claim any value, so the gateway never uses it for authorization.
// meshFetch removes a caller-set `x-meshgate-source` so the header only ever carries the
// configured value.

/** The part of a service binding (`Fetcher`) meshFetch uses. */
export interface MeshEgressBinding {
  fetch(request: Request): Promise<Response>;
}

/** A `fetch`-compatible function whose calls go through the mesh. */
export type MeshFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface MeshIdentity {
  namespace: string;
  serviceAccount: string;
}

/** A verifiable workload identity: the Worker's bootstrap secret, traded for JWT-SVIDs. */
export interface MeshWorkloadIdentity {
  /** The bootstrap secret (`meshgate ca bootstrap`). Default `env.MESHGATE_IDENTITY_SECRET`. */
  secret?: string;
  /** Name of the RPC service binding to the control plane's `XdsService` entrypoint. Default `MESH_IDENTITY`. */
  binding?: string;
  /** JWT-SVID audience. Default `meshgate` (what gateways accept). */
  audience?: string;
}

export interface MeshFetchOptions {
  /** Name of the egress gateway's service binding in `env`. Default `MESH_EGRESS`. */
  binding?: string;
  /**
   * The incoming request this Worker is serving. Its trace headers (`x-request-id`,
   * `traceparent`, `tracestate`, `b3`, `x-b3-*`) are copied onto every outbound request that
   * does not set them already.
   */
  from?: Request | { headers: Headers };
  /** More header names to copy from `from` the same way (e.g. `end-user`, `user-agent`). */
  propagate?: readonly string[];
  /**
   * `{secret?, binding?}`: present a JWT-SVID (`x-meshgate-svid`) on every call — the gateway
   * verifies it and authorizes by it. Used automatically when `env` has both
   * `MESHGATE_IDENTITY_SECRET` and `MESH_IDENTITY`.
   * `{namespace, serviceAccount}`: only sent as `x-meshgate-source: namespace/serviceAccount`,
   * informational and untrusted (never used for authorization).
   */
  identity?: MeshIdentity | MeshWorkloadIdentity;
  /** The Worker's `ctx`, so token renewal can finish in the background (`waitUntil`). */
  ctx?: { waitUntil(p: Promise<unknown>): void };
}

export const DEFAULT_BINDING = 'MESH_EGRESS';
export const SOURCE_HEADER = 'x-meshgate-source';
export const DEFAULT_IDENTITY_BINDING = 'MESH_IDENTITY';
export const IDENTITY_SECRET_VAR = 'MESHGATE_IDENTITY_SECRET';
/** Trace headers copied from `from` (plus every `x-b3-*` header). */
export const TRACE_HEADERS: readonly string[] = ['x-request-id', 'traceparent', 'tracestate', 'b3'];

function isWorkloadIdentity(i: MeshIdentity | MeshWorkloadIdentity): i is MeshWorkloadIdentity {
  return !('namespace' in i || 'serviceAccount' in i) || 'secret' in i || 'binding' in i;
}

function isBinding(v: unknown): v is MeshEgressBinding {
  return typeof v === 'object' && v !== null && typeof (v as { fetch?: unknown }).fetch === 'function';
}

function checkIdentityPart(what: string, v: unknown): string {
  if (typeof v !== 'string' || v === '' || v.includes('/') || /[\s\x00-\x1f\x7f]/.test(v)) {
    throw new TypeError(`meshFetch: identity.${what} must be a non-empty name without '/' or whitespace, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Headers to copy from the incoming request: the trace set, every `x-b3-*`, and `propagate`. */
function propagatedFrom(from: { headers: Headers }, extra: readonly string[]): [string, string][] {
  const wanted = new Set([...TRACE_HEADERS, ...extra.map((h) => h.toLowerCase())]);
  const out: [string, string][] = [];
  from.headers.forEach((value, name) => {
    const n = name.toLowerCase();
    if (n === SOURCE_HEADER || n === SVID_HEADER) return;
    if (wanted.has(n) || n.startsWith('x-b3-')) out.push([n, value]);
  });
  return out;
}

/**
 * Returns a `fetch` that sends every request through the egress gateway binding, keeping the
 * URL (the destination), method, headers and body. Throws when `env` has no such binding.
 */
export function meshFetch(env: object | null | undefined, opts: MeshFetchOptions = {}): MeshFetch {
  const name = opts.binding ?? DEFAULT_BINDING;
  const binding = env ? (env as Record<string, unknown>)[name] : undefined;
  if (!isBinding(binding)) {
    throw new Error(
      `meshFetch: no service binding ${name}; add [[services]] binding = "${name}" service = "meshgate-egress-gateway" to wrangler.toml`,
    );
  }
  const e = (env ?? {}) as Record<string, unknown>;
  const informational = opts.identity && !isWorkloadIdentity(opts.identity) ? opts.identity : undefined;
  const source = informational
    ? `${checkIdentityPart('namespace', informational.namespace)}/${checkIdentityPart('serviceAccount', informational.serviceAccount)}`
    : null;
  let svid: IdentityTokenSource | null = null;
  const wanted = opts.identity && isWorkloadIdentity(opts.identity) ? opts.identity
    : !opts.identity && typeof e[IDENTITY_SECRET_VAR] === 'string' && e[IDENTITY_SECRET_VAR] !== '' && e[DEFAULT_IDENTITY_BINDING] ? {} : undefined;
  if (wanted) {
    const bname = wanted.binding ?? DEFAULT_IDENTITY_BINDING;
    const rpc = e[bname];
    if (!rpc) throw new Error(`meshFetch: no service binding ${bname} for workload identity; add [[services]] binding = "${bname}" service = "meshgate-control-plane" entrypoint = "XdsService" to wrangler.toml`);
    const secret = wanted.secret ?? e[IDENTITY_SECRET_VAR];
    if (typeof secret !== 'string' || secret === '') throw new Error(`meshFetch: no bootstrap secret for workload identity; run \`meshgate ca bootstrap\` and \`wrangler secret put ${IDENTITY_SECRET_VAR}\``);
    svid = new IdentityTokenSource(rpc as MeshIdentityBinding, secret, {
      ...(wanted.audience ? { audience: wanted.audience } : {}),
      ...(opts.ctx ? { waitUntil: (p: Promise<unknown>) => opts.ctx!.waitUntil(p) } : {}),
    });
  }
  const inherited = opts.from ? propagatedFrom(opts.from, opts.propagate ?? []) : [];

  return async (input, init) => {
    let req: Request;
    try {
      req = new Request(input, init);
    } catch (err) {
      const what = input instanceof Request ? input.url : String(input);
      throw new TypeError(
        `meshFetch: cannot build a request for ${JSON.stringify(what)} (an absolute URL such as http://reviews.default.svc.cluster.local:9080/reviews/0 is needed): ${(err as Error).message}`,
      );
    }
    const headers = new Headers(req.headers);
    for (const [n, v] of inherited) if (!headers.has(n)) headers.set(n, v);
    headers.delete(SOURCE_HEADER);
    headers.delete(SVID_HEADER);
    if (source) headers.set(SOURCE_HEADER, source);
    if (svid) headers.set(SVID_HEADER, await svid.token());
    return binding.fetch(new Request(req, { headers }));
  };
}
