// Helpers shared by the bookinfo demo Workers.
import type { MeshEgressBinding, MeshFetch } from '../../src/mesh-fetch/index.ts';

/** Bindings and vars every bookinfo Worker understands. */
export interface BookinfoEnv {
  /** The egress gateway (`[[services]] binding = "MESH_EGRESS" service = "meshgate-egress-gateway"`). */
  MESH_EGRESS?: MeshEgressBinding;
  /** Suffix of the service hosts (Istio's SERVICES_DOMAIN). Default `default.svc.cluster.local`. */
  SERVICES_DOMAIN?: string;
  /** Namespace sent in `x-meshgate-source` (informational). Default `default`. */
  MESH_NAMESPACE?: string;
}

export const DEFAULT_DOMAIN = 'default.svc.cluster.local';

/** `http://<service>.<domain>:9080`, the URL Istio's bookinfo services call each other by. */
export function serviceUrl(env: BookinfoEnv, service: string): string {
  const domain = env.SERVICES_DOMAIN?.trim() || DEFAULT_DOMAIN;
  return `http://${service}.${domain}:9080`;
}

export function identityOf(env: BookinfoEnv, service: string): { namespace: string; serviceAccount: string } {
  return { namespace: env.MESH_NAMESPACE?.trim() || 'default', serviceAccount: `bookinfo-${service}` };
}

/**
 * Application headers Istio's bookinfo services forward besides the trace context meshFetch
 * copies itself (x-request-id, traceparent, tracestate, b3, x-b3-*).
 */
export const APP_PROPAGATE: readonly string[] = [
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'user-agent',
];

/** Milliseconds from a var, or the default when unset or not a positive number. */
export function msVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

export type CallResult<T> = { status: number; body: T | null };

/**
 * One GET through the mesh, with a client-side timeout covering the whole exchange (headers and
 * body), like `requests.get(url, timeout=…)` in Istio's apps. A timeout, a network error or a
 * body that is not JSON gives `{status: 500, body: null}`; a non-200 answer gives its status.
 */
export async function getJson<T>(f: MeshFetch, url: string, headers: HeadersInit, timeoutMs: number): Promise<CallResult<T>> {
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<CallResult<T>>((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new Error(`timeout after ${timeoutMs}ms`));
      resolve({ status: 500, body: null });
    }, timeoutMs);
  });
  const exchange = (async (): Promise<CallResult<T>> => {
    try {
      const res = await f(url, { headers, signal: ac.signal });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        return { status: res.status, body: null };
      }
      return { status: 200, body: (await res.json()) as T };
    } catch {
      return { status: 500, body: null };
    }
  })();
  try {
    return await Promise.race([exchange, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The product id as Istio's services parse it: a non-negative integer, or null. */
export function productId(raw: string): number | null {
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}
