// Host names as Istio resolves and compares them (pkg/config/host/name.go, names.go).

export const DOMAIN_SUFFIX = 'cluster.local';

/** A host name as compared: lower case, no trailing dot. */
export const normalizeHost = (host: string): string => host.toLowerCase().replace(/\.$/, '');

/** `reviews` in namespace `bookinfo` ⇒ `reviews.bookinfo.svc.cluster.local` (namespace of the rule). */
export function resolveShortName(host: string, namespace: string): string {
  const h = normalizeHost(host);
  if (h === '*' || h.includes('.') || h.includes(':')) return h;
  return `${h}.${namespace}.svc.${DOMAIN_SUFFIX}`;
}

export const isWildcard = (h: string) => h.startsWith('*');

/** Does host `h` (maybe a wildcard) match the concrete-or-wildcard `pattern`? Symmetric overlap as Istio's `Matches`. */
export function hostsMatch(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === '*' || b === '*') return true;
  if (isWildcard(a) && isWildcard(b)) {
    const sa = a.slice(1);
    const sb = b.slice(1);
    return sa.endsWith(sb) || sb.endsWith(sa);
  }
  if (isWildcard(a)) return b.endsWith(a.slice(1));
  if (isWildcard(b)) return a.endsWith(b.slice(1));
  return false;
}

/** Is `h` a subset of `of` (every name `h` covers, `of` covers too)? Istio's `SubsetOf`. */
export function hostSubsetOf(h: string, of: string): boolean {
  if (h === of || of === '*') return true;
  if (h === '*') return false;
  if (!isWildcard(of)) return false;
  return h.endsWith(of.slice(1)) && (isWildcard(h) ? h.length >= of.length : true);
}

/** The more specific of two overlapping hosts: the intersection Istio puts in a virtual host. */
export function intersectHosts(a: string, b: string): string | undefined {
  if (!hostsMatch(a, b)) return undefined;
  return hostSubsetOf(a, b) ? a : b;
}

/** Istio's MoreSpecific order: non-wildcard first, then longer, then alphabetical. */
export function compareSpecificity(a: string, b: string): number {
  const wa = isWildcard(a);
  const wb = isWildcard(b);
  if (wa !== wb) return wa ? 1 : -1;
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
