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
// Identity: `identity` is sent as `x-meshgate-source: <namespace>/<serviceAccount>`. It is
// INFORMATIONAL ONLY until JWT-SVID workload identities land: any Worker holding the binding can
// claim any value, so the gateway must not use it for authorization. meshFetch removes a
// caller-set `x-meshgate-source` so the header only ever carries the configured identity.

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
   * Sent as `x-meshgate-source: namespace/serviceAccount`. Informational only: the gateway
   * must not trust it for authorization until JWT-SVID identities land.
   */
  identity?: MeshIdentity;
}

export const DEFAULT_BINDING = 'MESH_EGRESS';
export const SOURCE_HEADER = 'x-meshgate-source';
/** Trace headers copied from `from` (plus every `x-b3-*` header). */
export const TRACE_HEADERS: readonly string[] = ['x-request-id', 'traceparent', 'tracestate', 'b3'];

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
    if (n === SOURCE_HEADER) return;
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
  const source = opts.identity
    ? `${checkIdentityPart('namespace', opts.identity.namespace)}/${checkIdentityPart('serviceAccount', opts.identity.serviceAccount)}`
    : null;
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
    if (source) headers.set(SOURCE_HEADER, source);
    return binding.fetch(new Request(req, { headers }));
  };
}
