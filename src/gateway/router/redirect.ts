import type { RedirectAction } from '../../xds/resources/route.ts';
import { formatAuthority } from '../http/host.ts';

// Envoy RedirectAction → the Location of a 3xx (Istio ApplyRedirect). Default ports are
// elided: 80 for http, 443 for https.
const CODE = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 } as const;

export interface RedirectInput {
  scheme: 'http' | 'https';
  host: string;
  /** The port in the request's authority, if any. */
  authorityPort?: number;
  edgePort: number;
  path: string;
  query: string;
  /** The route's matched prefix, for prefix_rewrite. */
  matchedPrefix?: string;
}

export function redirectResponse(a: RedirectAction, r: RedirectInput): Response {
  const scheme = a.https_redirect ? 'https' : (a.scheme_redirect ?? r.scheme);
  const host = a.host_redirect ?? r.host;
  let port: number | undefined = a.port_redirect ?? (a['meshgate.derive_port_from_request'] ? r.edgePort : scheme === r.scheme ? r.authorityPort : undefined);
  if ((scheme === 'http' && port === 80) || (scheme === 'https' && port === 443)) port = undefined;
  let path = r.path;
  let query = a.strip_query ? '' : r.query;
  if (a.path_redirect !== undefined) {
    const q = a.path_redirect.indexOf('?');
    if (q >= 0) {
      path = a.path_redirect.slice(0, q);
      query = a.path_redirect.slice(q + 1);
    } else path = a.path_redirect;
  } else if (a.prefix_rewrite !== undefined && r.matchedPrefix !== undefined && path.startsWith(r.matchedPrefix)) {
    path = a.prefix_rewrite + path.slice(r.matchedPrefix.length);
  }
  const location = `${scheme}://${formatAuthority(host, port)}${path}${query ? `?${query}` : ''}`;
  return new Response(null, { status: CODE[a.response_code ?? 'MOVED_PERMANENTLY'], headers: { location } });
}
