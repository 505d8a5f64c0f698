import { z } from 'zod';

// Host names as Istio validates them (pkg/config/validation/agent/validation.go
// ValidateWildcardDomain): DNS-1123 labels, a wildcard only as the whole first label (or a
// `*`-prefixed first label, which VirtualServices tolerate), ≤255 characters, TLD not numeric.
const LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export const isIP = (s: string) => isIPv4(s) || isIPv6(s);

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare IP. */
export function isCIDROrIP(s: string): boolean {
  const [ip, bits, ...rest] = s.split('/');
  if (rest.length || !ip) return false;
  if (bits === undefined) return isIP(ip);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  return isIPv4(ip) ? n <= 32 : isIPv6(ip) ? n <= 128 : false;
}

/** Why `host` is not a valid (possibly wildcard) domain, or undefined when it is. */
export function domainError(host: string, opts: { partialWildcard?: boolean } = {}): string | undefined {
  if (host === '') return 'domain name must not be empty';
  if (host === '*') return undefined;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 255) return `domain name "${host}" too long (max 255)`;
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    let label = labels[i]!;
    if (i === 0 && label.startsWith('*')) {
      if (label === '*') continue;
      if (!opts.partialWildcard) return `domain name "${host}" invalid (partial wildcard "${label}" is not allowed)`;
      label = label.slice(1);
      if (label.startsWith('-')) label = label.slice(1);
      if (label === '') continue;
    }
    if (label.length > 63) return `domain name "${host}" invalid (label "${label}" too long)`;
    if (!LABEL.test(label)) return `domain name "${host}" invalid (label "${label}" invalid)`;
  }
  if (labels.length > 1 && /^\d+$/.test(labels[labels.length - 1]!)) return `domain name "${host}" invalid (top level domain is numeric)`;
  return undefined;
}

export const isDNS1123Label = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);
/**
 * Istio's labels.IsDNS1123Label, which also admits upper case: subset names, port names and the
 * parts of gateway references are checked with it (Kubernetes object names stay lower case).
 */
export const isIstioLabel = (s: string) => s.length <= 63 && LABEL.test(s);
export const isDNS1123Subdomain = (s: string) => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);

/** A wildcard-capable host field (VirtualService hosts, DestinationRule host, …). */
export const wildcardHost = (opts: { partialWildcard?: boolean } = { partialWildcard: true }) =>
  z.string().superRefine((h, ctx) => {
    const err = domainError(h, opts);
    if (err) ctx.addIssue({ code: 'custom', message: err });
  });

/**
 * `namespace/dnsName` as Gateway servers and Sidecar egress hosts write it: namespace `*`, `.`,
 * (Sidecar: `~`) or a name; dnsName `*` or an FQDN (must contain a dot), no partial wildcards.
 */
export function namespacedHostError(value: string, opts: { requireNamespace: boolean; allowTilde: boolean; allowIP: boolean }): string | undefined {
  const slash = value.indexOf('/');
  if (slash < 0 && opts.requireNamespace) return `host "${value}" must be of the form namespace/dnsName`;
  const ns = slash < 0 ? '*' : value.slice(0, slash);
  const dns = slash < 0 ? value : value.slice(slash + 1);
  if (!(ns === '*' || ns === '.' || (ns === '~' && opts.allowTilde) || isDNS1123Label(ns))) return `invalid namespace "${ns}" in host "${value}": use *, ., or a namespace name`;
  if (dns === '*') return undefined;
  if (opts.allowIP && isIP(dns)) return undefined;
  if (!dns.includes('.')) return `short names (non FQDN) are not allowed: "${dns}"`;
  if (dns.startsWith('*') && !dns.startsWith('*.')) return `partial wildcard "${dns}" not allowed`;
  return domainError(dns, { partialWildcard: false });
}
