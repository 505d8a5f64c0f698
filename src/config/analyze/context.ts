import { hostSubsetOf, hostsMatch, normalizeHost, resolveShortName } from '../hosts.ts';
import { serviceEntryRank } from '../destination-rule-lookup.ts';
import { formatPath, type Issue, type PathSegment, type Severity } from '../issues.ts';
import type { LoadedResource } from '../manifest.ts';
import type { DestinationRuleSpec } from '../kinds/networking/destination-rule.ts';
import type { GatewaySpec } from '../kinds/networking/gateway.ts';
import type { ServiceEntrySpec } from '../kinds/networking/service-entry.ts';
import type { SidecarSpec } from '../kinds/networking/sidecar.ts';
import type { Destination, VirtualServiceSpec } from '../kinds/networking/virtual-service.ts';
import type { WorkloadEntrySpec } from '../kinds/networking/workload-entry.ts';
import type { AuthorizationPolicySpec } from '../kinds/security/authorization-policy.ts';
import type { RequestAuthenticationSpec } from '../kinds/security/request-authentication.ts';
import type { PeerAuthenticationSpec } from '../kinds/security/peer-authentication.ts';

// What every analyzer sees: the validated resources grouped by kind with typed specs, the mesh
// settings that change a verdict (root namespace), and one way to report a finding. Mirrors the
// translator's view of the mesh (src/xds), re-stated here because src/config imports nothing of ours.

/** One validated resource with its spec typed. */
export interface Typed<S> {
  loaded: LoadedResource;
  spec: S;
  namespace: string;
  name: string;
  /** `namespace/name`. */
  key: string;
}

export interface Finding {
  severity: Severity;
  code: string;
  path: readonly PathSegment[];
  message: string;
}

export interface Ctx {
  rootNamespace: string;
  /** MeshConfig defaultVirtualServiceExportTo (default `["*"]`). */
  defaultVirtualServiceExportTo: readonly string[];
  /** MeshConfig defaultDestinationRuleExportTo and defaultServiceExportTo (default `["*"]`). */
  defaultDestinationRuleExportTo: readonly string[];
  defaultServiceExportTo: readonly string[];
  /** Every namespace some resource lives in, plus the root and gateway namespaces. */
  namespaces: ReadonlySet<string>;
  virtualServices: Typed<VirtualServiceSpec>[];
  destinationRules: Typed<DestinationRuleSpec>[];
  serviceEntries: Typed<ServiceEntrySpec>[];
  workloadEntries: Typed<WorkloadEntrySpec>[];
  gateways: Typed<GatewaySpec>[];
  sidecars: Typed<SidecarSpec>[];
  authorizationPolicies: Typed<AuthorizationPolicySpec>[];
  requestAuthentications: Typed<RequestAuthenticationSpec>[];
  peerAuthentications: Typed<PeerAuthenticationSpec>[];
  report: (about: Typed<unknown>, finding: Finding) => void;
}

export interface Analyzer {
  name: string;
  analyze: (ctx: Ctx) => void;
}

/** Namespace of meshgate's gateway proxies (DESIGN.md "Ports and roles"). */
export const GATEWAY_NAMESPACE = 'istio-system';

/** The two gateway proxies meshgate runs, by role, with their labels. */
export const GATEWAY_ROLES: readonly { role: 'ingress' | 'egress'; labels: Readonly<Record<string, string>> }[] = [
  { role: 'ingress', labels: { istio: 'ingressgateway' } },
  { role: 'egress', labels: { istio: 'egressgateway' } },
];

export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

/** A field of a parsed MeshConfig of unknown shape (absent, or not an object ⇒ undefined). */
function meshField(meshConfig: unknown, field: string): unknown {
  return meshConfig && typeof meshConfig === 'object' && !Array.isArray(meshConfig) ? (meshConfig as Record<string, unknown>)[field] : undefined;
}

/** `rootNamespace` of a parsed MeshConfig; the default when absent. */
export function rootNamespaceOf(meshConfig: unknown): string {
  const v = meshField(meshConfig, 'rootNamespace');
  return typeof v === 'string' && v ? v : DEFAULT_ROOT_NAMESPACE;
}

function exportToOf(meshConfig: unknown, field: string): string[] {
  const v = meshField(meshConfig, field);
  return Array.isArray(v) && v.length && v.every((x) => typeof x === 'string') ? (v as string[]) : ['*'];
}

export function buildContext(resources: readonly LoadedResource[], meshConfig: unknown, out: Issue[]): Ctx {
  const of = <S>(kind: string, group: string): Typed<S>[] =>
    resources
      .filter((l) => l.resource.kind === kind && l.def.group === group)
      .map((l) => ({ loaded: l, spec: l.resource.spec as S, namespace: l.resource.metadata.namespace, name: l.resource.metadata.name, key: `${l.resource.metadata.namespace}/${l.resource.metadata.name}` }));
  const rootNamespace = rootNamespaceOf(meshConfig);
  const NET = 'networking.istio.io';
  const SEC = 'security.istio.io';
  return {
    rootNamespace,
    defaultVirtualServiceExportTo: exportToOf(meshConfig, 'defaultVirtualServiceExportTo'),
    defaultDestinationRuleExportTo: exportToOf(meshConfig, 'defaultDestinationRuleExportTo'),
    defaultServiceExportTo: exportToOf(meshConfig, 'defaultServiceExportTo'),
    namespaces: new Set([rootNamespace, GATEWAY_NAMESPACE, ...resources.map((l) => l.resource.metadata.namespace)]),
    virtualServices: of('VirtualService', NET),
    destinationRules: of('DestinationRule', NET),
    serviceEntries: of('ServiceEntry', NET),
    workloadEntries: of('WorkloadEntry', NET),
    gateways: of('Gateway', NET),
    sidecars: of('Sidecar', NET),
    authorizationPolicies: of('AuthorizationPolicy', SEC),
    requestAuthentications: of('RequestAuthentication', SEC),
    peerAuthentications: of('PeerAuthentication', SEC),
    report: (about, f) => {
      const m = about.loaded.resource.metadata;
      const { source, pos } = about.loaded;
      out.push({ severity: f.severity, code: f.code, ...(source !== undefined ? { source } : {}), kind: about.loaded.resource.kind, namespace: m.namespace, name: m.name, document: about.loaded.document, path: formatPath(f.path), ...pos?.(f.path), message: f.message });
    },
  };
}

/** Istio's config order (model.sortConfigByCreationTime as the translator applies it): oldest first, then namespace/name. */
export function byCreation(a: Typed<unknown>, b: Typed<unknown>): number {
  const ta = a.loaded.resource.metadata.creationTimestamp ?? '';
  const tb = b.loaded.resource.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

// ---- gateways ------------------------------------------------------------------------------

export const MESH = 'mesh';

/** `name` ⇒ `vsNamespace/name`; legacy `name.ns.svc.cluster.local` or `name.ns` ⇒ `ns/name`; `mesh` stays. */
export function normalizeGatewayRef(ref: string, vsNamespace: string): string {
  if (ref === MESH || ref.includes('/')) return ref;
  if (ref.includes('.')) {
    const [name, ns] = ref.split('.');
    return `${ns}/${name}`;
  }
  return `${vsNamespace}/${ref}`;
}

/** The gateways a VirtualService's top-level `gateways` bind it to (omitted ⇒ mesh). */
export function vsGateways(vs: Typed<VirtualServiceSpec>): string[] {
  const refs = vs.spec.gateways?.length ? vs.spec.gateways : [MESH];
  return refs.map((g) => normalizeGatewayRef(g, vs.namespace));
}

/** Bound to gateway `key`: through the top-level `gateways` only (Istio getGatewayNames). */
export function vsBindsGateway(vs: Typed<VirtualServiceSpec>, key: string): boolean {
  return vsGateways(vs).includes(key);
}

/** Server host `ns/dns` (bare: any namespace; `.`: the Gateway's). */
export function splitServerHost(host: string, gatewayNamespace: string): { namespace: string; dnsName: string } {
  const slash = host.indexOf('/');
  if (slash < 0) return { namespace: '*', dnsName: host.toLowerCase() };
  const ns = host.slice(0, slash);
  return { namespace: ns === '.' ? gatewayNamespace : ns, dnsName: host.slice(slash + 1).toLowerCase() };
}

/** Does a Gateway's `selector` pick the proxy with these labels (no selector ⇒ every gateway)? */
export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

// ---- hosts and destinations ----------------------------------------------------------------

/** A VirtualService's hosts, short names resolved against its namespace. */
export const vsHosts = (vs: Typed<VirtualServiceSpec>) => (vs.spec.hosts ?? []).map((h) => resolveShortName(h, vs.namespace));

/** A ServiceEntry's hosts, lower-cased and otherwise as written (Istio does not expand short names there). */
export const seHosts = (se: Typed<ServiceEntrySpec>) => se.spec.hosts.map(normalizeHost);

/** ServiceEntries declaring `host` (exactly or through a wildcard host). */
export function entriesFor(ctx: Ctx, host: string): Typed<ServiceEntrySpec>[] {
  return ctx.serviceEntries.filter((se) => seHosts(se).some((h) => hostSubsetOf(host, h)));
}

/**
 * The ServiceEntry the gateways use for `host`, by Istio's ranking (their namespace, exported to
 * it by name, public; oldest first), preferring entries naming it exactly; a wildcard entry
 * counts as declaring it, as destination-hosts.ts has it.
 */
export function chosenEntry(ctx: Ctx, host: string): Typed<ServiceEntrySpec> | undefined {
  const exact = ctx.serviceEntries.filter((se) => seHosts(se).includes(host));
  const entries = (exact.length ? exact : entriesFor(ctx, host)).sort(byCreation);
  const rank = (se: Typed<ServiceEntrySpec>) => serviceEntryRank(se.namespace, se.spec.exportTo?.length ? se.spec.exportTo : ctx.defaultServiceExportTo, GATEWAY_NAMESPACE);
  return entries.reduce<Typed<ServiceEntrySpec> | undefined>((best, se) => (!best || rank(se) < rank(best) ? se : best), undefined);
}

/** Does any ServiceEntry host overlap `host` (for wildcard DestinationRule hosts)? */
export function anyEntryOverlaps(ctx: Ctx, host: string): boolean {
  return ctx.serviceEntries.some((se) => seHosts(se).some((h) => hostsMatch(host, h)));
}

export interface DestinationRef {
  destination: Destination;
  /** Path of the `destination` object from the document root. */
  path: PathSegment[];
  /** Resolved FQDN. */
  host: string;
  mirror: boolean;
}

/** Every destination of a VirtualService: http route/mirror/mirrors, tls and tcp routes. */
export function destinations(vs: Typed<VirtualServiceSpec>): DestinationRef[] {
  const out: DestinationRef[] = [];
  const add = (destination: Destination, path: PathSegment[], mirror = false) => out.push({ destination, path, host: resolveShortName(destination.host, vs.namespace), mirror });
  for (const [i, r] of (vs.spec.http ?? []).entries()) {
    for (const [j, d] of (r.route ?? []).entries()) add(d.destination, ['spec', 'http', i, 'route', j, 'destination']);
    if (r.mirror) add(r.mirror, ['spec', 'http', i, 'mirror'], true);
    for (const [j, m] of (r.mirrors ?? []).entries()) add(m.destination, ['spec', 'http', i, 'mirrors', j, 'destination'], true);
  }
  for (const kind of ['tls', 'tcp'] as const) {
    for (const [i, r] of (vs.spec[kind] ?? []).entries()) {
      for (const [j, d] of (r.route ?? []).entries()) add(d.destination, ['spec', kind, i, 'route', j, 'destination']);
    }
  }
  return out;
}

/** A RequestAuthentication that applies to a policy or route in `namespace` (its own or the root namespace). */
export function requestAuthenticationsFor(ctx: Ctx, namespace: string): Typed<RequestAuthenticationSpec>[] {
  return ctx.requestAuthentications.filter((ra) => (ra.namespace === namespace || ra.namespace === ctx.rootNamespace) && (ra.spec.jwtRules?.length ?? 0) > 0);
}

export const quote = (s: string) => JSON.stringify(s);
