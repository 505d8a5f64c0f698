import { z } from 'zod';
import { domainError, isIstioLabel, isIP, isIPv4, isIPv6 } from '../../syntax/host.ts';

// Host-name relations, gateway references and small L4 fields shared by the VirtualService
// route kinds. Sources: istio/istio pkg/config/host/name.go (Matches, SubsetOf),
// pkg/config/validation/validation.go (validateGatewayNames), agent/validation.go (ValidateIPSubnet).

const isWildcarded = (h: string) => h.startsWith('*');

/** Istio `host.Name.Matches`: the two names overlap (symmetric; `*` overlaps everything). */
export function hostsOverlap(a: string, b: string): boolean {
  if (isWildcarded(a)) {
    if (isWildcarded(b)) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
    return b.endsWith(a.slice(1));
  }
  if (isWildcarded(b)) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio `host.Name.SubsetOf`: every name `a` matches is also matched by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  if (a === b) return true;
  if (!isWildcarded(b)) return false;
  return isWildcarded(a) ? a.slice(1).endsWith(b.slice(1)) : a.endsWith(b.slice(1));
}

/**
 * Why a gateway reference (`name`, `ns/name`, `mesh`, legacy `name.ns.svc.cluster.local`) is
 * invalid; Istio reports each broken part, so this returns a list.
 */
export function gatewayNameErrors(ref: string): string[] {
  const slash = ref.indexOf('/');
  if (slash < 0) {
    const err = ref === '*' ? `domain name "${ref}" invalid (label "*" invalid)` : domainError(ref, { partialWildcard: false });
    return err ? [err] : [];
  }
  const ns = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const out: string[] = [];
  if (!ns || !name) out.push('config namespace and gateway name cannot be empty');
  if (!isIstioLabel(ns)) out.push(`invalid value for namespace: ${JSON.stringify(ns)}`);
  if (!isIstioLabel(name)) out.push(`invalid value for gateway name: ${JSON.stringify(name)}`);
  return out;
}

/** The `<namespace>/<name>` Istio recommends for a legacy dotted gateway reference, if it is one. */
export function legacyGatewayName(ref: string): string | undefined {
  if (ref.includes('/') || !ref.includes('.')) return undefined;
  const [name, ns] = ref.split('.');
  return `${ns}/${name}`;
}

/** `gateways` lists (VirtualService and per-match). `mesh` is the reserved name for all sidecars. */
export const gatewayNames = z.array(z.string()).superRefine((list, ctx) => {
  for (const [i, ref] of list.entries()) for (const message of gatewayNameErrors(ref)) ctx.addIssue({ code: 'custom', path: [i], message });
});

export const MESH_GATEWAY = 'mesh';

/** A match `port`: 0 means unset (proto3 default), anything else must be a real port. */
export const matchPort = z.number().int().superRefine((p, ctx) => {
  if (p !== 0 && (p < 1 || p > 65535)) ctx.addIssue({ code: 'custom', message: `port number ${p} must be in the range 1..65535` });
});

/** `destinationSubnets` entries: an IP or a CIDR (agent.ValidateIPSubnet wording). */
export const ipSubnet = z.string().superRefine((s, ctx) => {
  if (s.includes('/')) {
    const [ip, bits, ...rest] = s.split('/');
    const max = ip && isIPv4(ip) ? 32 : ip && isIPv6(ip) ? 128 : -1;
    if (rest.length || max < 0 || !bits || !/^\d{1,3}$/.test(bits) || Number(bits) > max) ctx.addIssue({ code: 'custom', message: `invalid CIDR address: ${s}` });
  } else if (!isIP(s)) ctx.addIssue({ code: 'custom', message: `${s} is not a valid IP` });
});

/** `sourceNamespace` in a match (HTTP, TLS, TCP). */
export const sourceNamespace = z.string().superRefine((ns, ctx) => {
  if (ns !== '' && !isIstioLabel(ns)) ctx.addIssue({ code: 'custom', message: `sourceNamespace match ${ns} is invalid` });
});
