import type { HTTPDirectResponse, HTTPRedirect } from '../../config/kinds/networking/virtual-service.ts';
import type { DirectResponseAction, RedirectAction } from '../resources/route.ts';

// HTTPRedirect / HTTPDirectResponse → envoy actions (Istio route.go ApplyRedirect,
// ApplyDirectResponse). A `uri` with a query replaces the request's query (Envoy path_redirect).

const RESPONSE_CODES: Record<number, RedirectAction['response_code']> = {
  0: 'MOVED_PERMANENTLY',
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** Undefined for a 3xx code Envoy cannot send: Istio then drops the route. */
export function translateRedirect(r: HTTPRedirect, listenerPort: number, isTLS: boolean): RedirectAction | undefined {
  const code = RESPONSE_CODES[r.redirectCode ?? 0];
  if (!code) return undefined;
  const out: RedirectAction = {};
  if (r.uri) out.path_redirect = r.uri;
  if (r.prefixRewrite) out.prefix_rewrite = r.prefixRewrite;
  if (r.authority) out.host_redirect = r.authority;
  if (r.scheme) out.scheme_redirect = r.scheme;
  const fromRequest = r.derivePort === 'FROM_REQUEST_PORT';
  if (r.port !== undefined || r.derivePort !== undefined) {
    // Envoy cannot derive the port itself; routes are built per listener port, so use that
    // (FROM_PROTOCOL_DEFAULT needs no port). Default ports are left out of Location.
    let port = fromRequest ? listenerPort : (r.port ?? 0);
    const scheme = r.scheme || (isTLS ? 'https' : 'http');
    if ((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https')) port = 0;
    if (port) out.port_redirect = port;
  }
  out.response_code = code;
  if (fromRequest) out['meshgate.derive_port_from_request'] = true;
  return out;
}

export function translateDirectResponse(d: HTTPDirectResponse): DirectResponseAction {
  const b = d.body;
  const body = b?.string !== undefined ? { inline_string: b.string } : b?.bytes !== undefined ? { inline_bytes: b.bytes } : undefined;
  return { status: d.status, ...(body ? { body } : {}) };
}
