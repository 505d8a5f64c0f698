import { z } from 'zod';
import type { PathSegment } from '../../issues.ts';
import { exportTo } from '../../syntax/common.ts';
import { domainError, isIP } from '../../syntax/host.ts';
import { defineKind, type Report } from '../types.ts';
import { bodySize, DIRECT_RESPONSE_MAX_BYTES, DIRECT_RESPONSE_WARN_BYTES } from './http-direct-response.ts';
import { isJwtClaimHeader } from './http-match.ts';
import { SUPPORTED_REDIRECT_CODES } from './http-redirect.ts';
import { SUPPORTED_HEADER_COMMANDS, unsupportedHeaderCommands } from './http-headers.ts';
import { httpRoute, type HTTPRoute } from './http-route.ts';
import { tcpRoute } from './tcp-route.ts';
import { tlsRoute } from './tls-route.ts';
import { overlappingPrefixes, unreachableRules } from './vs-analysis.ts';
import { gatewayNames, hostsOverlap, hostSubsetOf, legacyGatewayName, MESH_GATEWAY } from './vs-hosts.ts';

// VirtualService (istio/api networking/v1alpha3/virtual_service.proto). Rules follow
// istio/istio pkg/config/validation/validation.go ValidateVirtualService and virtualservice.go;
// https://istio.io/latest/docs/reference/config/networking/virtual-service/

export { RETRY_ON_POLICIES } from './http-retry.ts';
export type { CorsPolicy } from './http-cors.ts';
export type { HTTPBody, HTTPDirectResponse } from './http-direct-response.ts';
export type { HTTPFaultInjection } from './http-fault.ts';
export type { HeaderOperations, Headers } from './http-headers.ts';
export type { HTTPMatchRequest } from './http-match.ts';
export type { HTTPMirrorPolicy } from './http-mirror.ts';
export type { HTTPRedirect } from './http-redirect.ts';
export type { HTTPRetry } from './http-retry.ts';
export type { HTTPRewrite, RegexRewrite } from './http-rewrite.ts';
export type { Delegate, HTTPRoute, HTTPRouteDestination } from './http-route.ts';
export type { L4MatchAttributes, TCPRoute } from './tcp-route.ts';
export type { TLSMatchAttributes, TLSRoute } from './tls-route.ts';
export type { Destination, RouteDestination } from './vs-destination.ts';

const OUTBOUND_SNI = /^outbound_\.\d+_\.[^.]*_\.[a-zA-Z]/;

/**
 * Host check for a VirtualService bound only to gateways: as for any VS, plus the auto-generated
 * SNI form `outbound_.<port>_.<subset>_.<hostname>` when the VS routes TLS by SNI.
 */
function hostError(host: string, gatewayOnly: boolean, sni: boolean): string | undefined {
  if (gatewayOnly && sni && host.startsWith('outbound_')) {
    return OUTBOUND_SNI.test(host) ? undefined : `domain name ${JSON.stringify(host)} invalid: should follow outbound_.<port>_.<subset>_.<hostname> format`;
  }
  return domainError(host, { partialWildcard: true });
}

/** Bound to gateways only (`gateways` set, without `mesh`). */
const gatewayOnly = (gateways: readonly string[] | undefined) => (gateways?.length ?? 0) > 0 && !gateways!.includes(MESH_GATEWAY);

export const virtualServiceSpec = z
  .strictObject({
    /** Hosts this VS routes for (FQDN, `*.` wildcard, short name, IP for gateways). Empty ⇒ delegate VS. */
    hosts: z.array(z.string()).optional(),
    /** Gateways (`ns/name`, `name`) and/or `mesh`. Omitted ⇒ `["mesh"]`. */
    gateways: gatewayNames.optional(),
    /** Ordered; the first matching rule wins. */
    http: z.array(httpRoute).optional(),
    tls: z.array(tlsRoute).optional(),
    tcp: z.array(tcpRoute).optional(),
    /** Empty ⇒ mesh defaultVirtualServiceExportTo (default `*`). */
    exportTo: exportTo({ allowNone: false }).optional(),
  })
  .superRefine((vs, ctx) => {
    const hosts = vs.hosts ?? [];
    const isDelegate = hosts.length === 0;
    if (isDelegate) {
      if (vs.gateways?.length) ctx.addIssue({ code: 'custom', path: ['gateways'], message: 'delegate virtual service must have no gateways specified' });
      if (vs.tls?.length) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'delegate virtual service must have no tls route specified' });
      if (vs.tcp?.length) ctx.addIssue({ code: 'custom', path: ['tcp'], message: 'delegate virtual service must have no tcp route specified' });
      for (const [i, h] of (vs.http ?? []).entries()) {
        if (h.delegate) ctx.addIssue({ code: 'custom', path: ['http', i, 'delegate'], message: 'delegate HTTP route cannot contain delegate' });
      }
    }

    const toGateway = gatewayOnly(vs.gateways);
    if (!toGateway) {
      // JWT claims are only known where RequestAuthentication runs before routing: gateways.
      for (const [i, h] of (vs.http ?? []).entries()) {
        for (const [j, m] of (h.match ?? []).entries()) {
          for (const field of ['headers', 'withoutHeaders'] as const) {
            for (const key of Object.keys(m[field] ?? {})) {
              if (isJwtClaimHeader(key)) ctx.addIssue({ code: 'custom', path: ['http', i, 'match', j, field, key], message: `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${(vs.gateways ?? []).join(' ')}]` });
            }
          }
        }
      }
    }

    const sni = (vs.tls ?? []).some((t) => (t.match ?? []).some((m) => (m.sniHosts?.length ?? 0) > 0));
    let allValid = true;
    for (const [i, h] of hosts.entries()) {
      const err = hostError(h, toGateway, sni);
      if (err) {
        if (!isIP(h)) {
          ctx.addIssue({ code: 'custom', path: ['hosts', i], message: err });
          allValid = false;
        }
      } else if (!toGateway && h === '*') {
        ctx.addIssue({ code: 'custom', path: ['hosts', i], message: 'wildcard host * is not allowed for virtual services bound to the mesh gateway' });
        allValid = false;
      }
    }
    if (allValid) {
      for (let i = 0; i < hosts.length; i++) {
        for (let j = i + 1; j < hosts.length; j++) {
          if (hostsOverlap(hosts[i]!, hosts[j]!)) ctx.addIssue({ code: 'custom', path: ['hosts', j], message: `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}` });
        }
      }
    }

    if (!vs.http?.length && !vs.tcp?.length && !vs.tls?.length) ctx.addIssue({ code: 'custom', message: 'http, tcp or tls must be provided in virtual service' });

    for (const [i, t] of (vs.tls ?? []).entries()) {
      for (const [j, m] of (t.match ?? []).entries()) {
        for (const [k, sniHost] of (m.sniHosts ?? []).entries()) {
          const path = ['tls', i, 'match', j, 'sniHosts', k];
          const err = hostError(sniHost, toGateway, true);
          if (err) {
            if (!isIP(sniHost)) ctx.addIssue({ code: 'custom', path, message: err }); // IPs: warning in check()
            continue;
          }
          if (!hosts.some((h) => hostSubsetOf(sniHost, h))) {
            ctx.addIssue({ code: 'custom', path, message: `SNI host ${JSON.stringify(sniHost)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]` });
          }
        }
      }
    }
  });
export type VirtualServiceSpec = z.infer<typeof virtualServiceSpec>;

/** Formatter commands meshgate does not evaluate: the header is not added (Envoy would fill it). */
function headerCommandWarnings(path: PathSegment[], headers: HTTPRoute['headers'], report: Report) {
  for (const dir of ['request', 'response'] as const) {
    for (const op of ['set', 'add'] as const) {
      for (const [name, value] of Object.entries(headers?.[dir]?.[op] ?? {})) {
        for (const cmd of unsupportedHeaderCommands(value)) {
          report([...path, dir, op, name], `%${cmd}% is not evaluated by meshgate, so this header is not added (evaluated: ${[...SUPPORTED_HEADER_COMMANDS].map((n) => `%${n}%`).join(', ')}; %% is a literal %)`, 'warning');
        }
      }
    }
  }
}

/** Rules needing the namespace, and Istio's warnings. */
function check(spec: VirtualServiceSpec, namespace: string, report: Report) {
  const at = (...path: PathSegment[]) => ['spec', ...path];

  const exp = spec.exportTo ?? [];
  if (exp.includes('.') && exp.includes(namespace)) report(at('exportTo', exp.indexOf(namespace)), `duplicate entries in exportTo: . and current namespace ${namespace}`);
  // Workers serve HTTP behind Cloudflare's TLS: these routes are kept, and never used.
  for (const l4 of ['tcp', 'tls'] as const) {
    if (spec[l4]?.length) report(at(l4), `${l4} routes are not served by meshgate's gateways, which serve HTTP behind Cloudflare's TLS`, 'info');
  }

  const legacy = (path: PathSegment[], refs: readonly string[] | undefined) => {
    for (const [i, ref] of (refs ?? []).entries()) {
      const recommended = legacyGatewayName(ref);
      if (recommended) report(at(...path, i), `using legacy gatewayName format ${JSON.stringify(ref)}; prefer the <namespace>/<name> format: ${JSON.stringify(recommended)}`, 'warning');
    }
  };
  legacy(['gateways'], spec.gateways);

  for (const [i, h] of (spec.http ?? []).entries()) {
    for (const [j, m] of (h.match ?? []).entries()) legacy(['http', i, 'match', j, 'gateways'], m.gateways);
    if (h.mirrorPercent !== undefined) report(at('http', i, 'mirrorPercent'), 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead', 'warning');
    const abort = h.fault?.abort;
    if (abort && abort.httpStatus === undefined && abort.grpcStatus === undefined && abort.http2Error === undefined) {
      report(at('http', i, 'fault', 'abort'), 'abort configured, but error type not set', 'warning');
    }
    const body = h.directResponse?.body;
    if (body && bodySize(body) > DIRECT_RESPONSE_WARN_BYTES && bodySize(body) <= DIRECT_RESPONSE_MAX_BYTES) report(at('http', i, 'directResponse', 'body'), 'large direct_responses may impact control plane performance', 'warning');
    headerCommandWarnings(at('http', i, 'headers'), h.headers, report);
    for (const [j, d] of (h.route ?? []).entries()) headerCommandWarnings(at('http', i, 'route', j, 'headers'), d.headers, report);
    const code = h.redirect?.redirectCode;
    if (code && code >= 300 && code <= 399 && !SUPPORTED_REDIRECT_CODES.includes(code)) {
      report(at('http', i, 'redirect', 'redirectCode'), `redirect code ${code} is not supported by Envoy (use 301, 302, 303, 307 or 308); Istio drops this route`, 'warning');
    }
  }
  for (const [i, t] of (spec.tls ?? []).entries()) {
    for (const [j, m] of (t.match ?? []).entries()) {
      legacy(['tls', i, 'match', j, 'gateways'], m.gateways);
      for (const [k, sniHost] of (m.sniHosts ?? []).entries()) {
        if (isIP(sniHost)) report(at('tls', i, 'match', j, 'sniHosts', k), `using an IP address (${JSON.stringify(sniHost)}) goes against SNI spec and most clients do not support this`, 'warning');
      }
    }
  }
  for (const [i, t] of (spec.tcp ?? []).entries()) {
    for (const [j, m] of (t.match ?? []).entries()) legacy(['tcp', i, 'match', j, 'gateways'], m.gateways);
  }

  const http = spec.http ?? [];
  for (const [path, msg] of [...unreachableRules(http), ...overlappingPrefixes(http)]) report(at('http', ...path), msg, 'warning');
  for (const [path, msg] of unreachableRules(spec.tcp ?? [])) report(at('tcp', ...path), msg, 'warning');
  for (const [path, msg] of unreachableRules(spec.tls ?? [])) report(at('tls', ...path), msg, 'warning');
}

export const virtualService = defineKind({
  group: 'networking.istio.io',
  kind: 'VirtualService',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'virtualservices',
  shortNames: ['vs'],
  body: 'spec',
  spec: virtualServiceSpec,
  check: (resource, report) => check(resource.spec, resource.metadata.namespace, report),
});
