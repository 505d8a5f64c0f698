import type { RedirectAction } from '../../xds/resources/route.ts';
import { formatAuthority } from '../http/host.ts';
import { redirect } from '../http/local-reply.ts';
import type { PathRewrite } from './rewrite.ts';

// Envoy RedirectAction → the Location of a 3xx (Istio ApplyRedirect; Envoy Http::Utility::newUri).
// Default ports are elided: 80 for http, 443 for https. `host_redirect` (Istio `authority`) is
// used as written and the request's port is dropped; only port_redirect / derivePort add one.
const CODE = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 } as const;

export interface RedirectInput {
  scheme: 'http' | 'https';
  host: string;
  /** The port in the request's authority, if any. */
  authorityPort?: number;
  edgePort: number;
  path: string;
  query: string;
  /** The redirect's prefix_rewrite, compiled with the route's match (compilePathRewrite). */
  rewrite?: PathRewrite;
}

export function redirectResponse(a: RedirectAction, r: RedirectInput): Response {
  const scheme = a.https_redirect ? 'https' : (a.scheme_redirect ?? r.scheme);
  const keepRequestPort = a.host_redirect === undefined && scheme === r.scheme;
  let port: number | undefined = a.port_redirect ?? (a['meshgate.derive_port_from_request'] ? r.edgePort : keepRequestPort ? r.authorityPort : undefined);
  if ((scheme === 'http' && port === 80) || (scheme === 'https' && port === 443)) port = undefined;
  let path = r.path;
  let query = a.strip_query ? '' : r.query;
  if (a.path_redirect !== undefined) {
    const q = a.path_redirect.indexOf('?');
    if (q >= 0) {
      path = a.path_redirect.slice(0, q);
      query = a.path_redirect.slice(q + 1);
    } else path = a.path_redirect;
  } else if (r.rewrite) {
    path = r.rewrite(path);
  }
  if (path[0] !== '/') path = `/${path}`; // Envoy newUri adds the leading slash
  const authority = a.host_redirect === undefined ? formatAuthority(r.host, port) : port === undefined ? a.host_redirect : `${bracketIPv6(a.host_redirect)}:${port}`;
  const location = `${scheme}://${authority}${path}${query ? `?${query}` : ''}`;
  return redirect(CODE[a.response_code ?? 'MOVED_PERMANENTLY'], location);
}

/** A bare IPv6 literal (two or more colons, no brackets) gets brackets before a port is added. */
function bracketIPv6(h: string): string {
  const first = h.indexOf(':');
  return first !== -1 && h.indexOf(':', first + 1) !== -1 && h[0] !== '[' ? `[${h}]` : h;
}
