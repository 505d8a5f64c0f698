import type { HTTPMatchRequest, HTTPRoute } from '../../config/kinds/networking/virtual-service.ts';
import type { StringMatch } from '../../config/syntax/string-match.ts';
import { normalizeGatewayName } from '../gateway-binding.ts';
import { resolveShortName } from '../hosts.ts';
import { visibleTo, type VirtualService } from '../push-context.ts';
import type { RouteTranslation } from './translate.ts';

// Delegate VirtualServices (Istio pilot/pkg/model/virtualservice.go mergeVirtualServicesIfNeeded,
// mergeHTTPRoute, mergeHTTPMatchRequests, hasConflict): a root HTTPRoute with `delegate` is
// replaced in place by the delegate's HTTPRoutes, each merged with the root route. As in Istio,
// short names and gateway names are resolved in each VirtualService's own namespace first.

/** The VirtualService's HTTP routes with delegates expanded and names resolved. */
export function effectiveHttpRoutes(tx: RouteTranslation, vs: VirtualService): HTTPRoute[] {
  const ns = vs.metadata.namespace;
  const out: HTTPRoute[] = [];
  for (const http of vs.spec.http ?? []) {
    if (!http.delegate) {
      out.push(resolveNames(http, ns));
      continue;
    }
    const dNs = http.delegate.namespace || ns;
    const dName = http.delegate.name ?? '';
    const where = `VirtualService ${ns}/${vs.metadata.name}: delegate ${dNs}/${dName}`;
    // A delegate has no hosts; a VirtualService with hosts is never a delegate.
    const delegate = tx.push.virtualServices.find((d) => d.metadata.namespace === dNs && d.metadata.name === dName && !d.spec.hosts?.length);
    if (!delegate) {
      warn(tx, `${where} not found; its HTTP route is skipped`);
      continue;
    }
    const exportTo = delegate.spec.exportTo?.length ? delegate.spec.exportTo : tx.push.mesh.defaultVirtualServiceExportTo;
    if (!visibleTo(exportTo, dNs, ns)) {
      warn(tx, `${where} is not exported to namespace ${ns}; its HTTP route is skipped`);
      continue;
    }
    const root = resolveNames(http, ns);
    for (const sub of delegate.spec.http ?? []) {
      if (sub.delegate) continue; // only one level (validation rejects it)
      const merged = mergeHTTPRoute(root, resolveNames(sub, dNs));
      if (merged) out.push(merged);
      else warn(tx, `${where}: route ${sub.name ?? '(unnamed)'} conflicts with the root route ${http.name ?? '(unnamed)'} matches; skipped`);
    }
  }
  return out;
}

function warn(tx: RouteTranslation, message: string) {
  if (!tx.warnings.includes(message)) tx.warnings.push(message);
}

/** Copy with destination/mirror hosts as FQDNs and match gateways as `ns/name` (resolveVirtualServiceShortnames). */
function resolveNames(h: HTTPRoute, ns: string): HTTPRoute {
  const out: HTTPRoute = { ...h };
  if (h.route) out.route = h.route.map((d) => ({ ...d, destination: { ...d.destination, host: resolveShortName(d.destination.host, ns) } }));
  if (h.mirror) out.mirror = { ...h.mirror, host: resolveShortName(h.mirror.host, ns) };
  if (h.mirrors) out.mirrors = h.mirrors.map((m) => ({ ...m, destination: { ...m.destination, host: resolveShortName(m.destination.host, ns) } }));
  if (h.match) out.match = h.match.map((m) => (m.gateways ? { ...m, gateways: m.gateways.map((g) => normalizeGatewayName(g, ns)) } : m));
  return out;
}

const INHERITED = ['rewrite', 'directResponse', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercent', 'mirrorPercentage', 'corsPolicy', 'mirrors', 'headers'] as const;

/** Undefined when a delegate match is compatible with no root match (conflict). */
export function mergeHTTPRoute(root: HTTPRoute, sub: HTTPRoute): HTTPRoute | undefined {
  const match = mergeMatches(root.match, sub.match);
  if (match === 'conflict') return undefined;
  const out: HTTPRoute = { ...sub };
  delete out.delegate;
  if (match) out.match = match;
  else delete out.match;
  const name = joinNames(root.name, sub.name);
  if (name) out.name = name;
  // Whole objects, not deep-merged.
  for (const k of INHERITED) if (out[k] === undefined && root[k] !== undefined) (out as Record<string, unknown>)[k] = root[k];
  return out;
}

const joinNames = (root: string | undefined, sub: string | undefined) => (!sub ? root : root ? `${root}-${sub}` : sub);

function mergeMatches(root: HTTPMatchRequest[] | undefined, sub: HTTPMatchRequest[] | undefined): HTTPMatchRequest[] | undefined | 'conflict' {
  if (!root?.length) return sub;
  if (!sub?.length) return root;
  const out: HTTPMatchRequest[] = [];
  for (const s of sub) {
    const compatible = root.filter((r) => !hasConflict(r, s));
    if (!compatible.length) return 'conflict';
    for (const r of compatible) out.push(mergeMatch(r, s));
  }
  return out;
}

function mergeMaps<T>(a: Record<string, T> | undefined, b: Record<string, T> | undefined): Record<string, T> | undefined {
  const m = { ...a, ...b };
  return Object.keys(m).length ? m : undefined;
}

/** Delegate fields win; unset ones come from the root; maps are unions (delegate wins per key). */
function mergeMatch(r: HTTPMatchRequest, s: HTTPMatchRequest): HTTPMatchRequest {
  const out: HTTPMatchRequest = { ...s };
  const name = joinNames(r.name, s.name);
  if (name) out.name = name;
  for (const k of ['uri', 'scheme', 'method', 'authority', 'sourceNamespace', 'statPrefix'] as const) {
    if (!out[k] && r[k]) (out as Record<string, unknown>)[k] = r[k];
  }
  if (!out.port && r.port) out.port = r.port;
  if (!out.gateways?.length && r.gateways?.length) out.gateways = r.gateways;
  for (const k of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels'] as const) {
    const m = mergeMaps<unknown>(r[k], s[k]);
    if (m) (out as Record<string, unknown>)[k] = m;
    else delete out[k];
  }
  return out;
}

function hasConflict(r: HTTPMatchRequest, s: HTTPMatchRequest): boolean {
  for (const k of ['uri', 'scheme', 'method', 'authority'] as const) if (stringMatchConflict(r[k], s[k])) return true;
  for (const [k, v] of Object.entries(s.headers ?? {})) if (stringMatchConflict(r.headers?.[k], v)) return true;
  for (const [k, v] of Object.entries(s.withoutHeaders ?? {})) if (stringMatchConflict(r.withoutHeaders?.[k], v)) return true;
  for (const [k, v] of Object.entries(s.queryParams ?? {})) if (stringMatchConflict(r.queryParams?.[k], v)) return true;
  if (!!r.ignoreUriCase !== !!s.ignoreUriCase) return true;
  if (r.port && s.port && r.port !== s.port) return true;
  if (r.sourceNamespace && s.sourceNamespace !== r.sourceNamespace) return true;
  for (const [k, v] of Object.entries(s.sourceLabels ?? {})) if (r.sourceLabels?.[k] !== undefined && r.sourceLabels[k] !== v) return true;
  if (r.gateways?.length && s.gateways?.length && !s.gateways.every((g) => r.gateways!.includes(g))) return true;
  return false;
}

/** The delegate's match must be narrower than the root's (virtualservice.go stringMatchConflict). */
function stringMatchConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (!root || !leaf) return false;
  const any = (m: StringMatch) => !!(m.regex || m.prefix || m.exact);
  if ((root.regex && any(leaf)) || (leaf.regex && any(root))) return true;
  if (root.exact) return !!leaf.prefix || leaf.exact !== root.exact;
  if (root.prefix) {
    if (leaf.prefix) return !leaf.prefix.startsWith(root.prefix);
    if (leaf.exact) return !leaf.exact.startsWith(root.prefix);
  }
  return true;
}
