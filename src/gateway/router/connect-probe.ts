// workerd's fetch reports a refused connection, a reset and a close before response headers
// with one error ("Network connection lost."), where Envoy tells a connect failure (retried by
// Istio's default policy; body `reset reason: connection failure`) from a reset (`connection
// termination`, not retried by default). Only on that error, a TCP connect to the same endpoint
// tells them apart: refused or unreachable means the request never got there.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on

export type ConnectProbe = (hostname: string, port: number, timeoutMs?: number) => Promise<'refused' | 'open'>;

/** The shape of `connect` from `cloudflare:sockets`, passed in by the worker entry points. */
export type SocketConnect = (address: { hostname: string; port: number }) => { opened: Promise<unknown>; close(): Promise<void> };

/**
 * A probe over `connect`. Only a connection attempt that fails (or goes unanswered for
 * `timeoutMs`, at most 1 s) counts as refused. `connect` throwing at once means the platform will
 * not open that socket at all (e.g. Cloudflare's own addresses), which says nothing about the
 * endpoint: the failure stays a reset, the cautious reading (not retried by default).
 */
export function socketProbe(connect: SocketConnect, maxMs = 1000): ConnectProbe {
  return async (hostname, port, timeoutMs = maxMs) => {
    let socket: ReturnType<SocketConnect>;
    try {
      socket = connect({ hostname, port });
    } catch {
      return 'open';
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timedOut = new Promise<'refused'>((resolve) => (timer = setTimeout(() => resolve('refused'), Math.max(1, Math.min(maxMs, timeoutMs)))));
      return await Promise.race([socket.opened.then(() => 'open' as const), timedOut]);
    } catch {
      return 'refused';
    } finally {
      clearTimeout(timer);
      socket.close().catch(() => {});
    }
  };
}
