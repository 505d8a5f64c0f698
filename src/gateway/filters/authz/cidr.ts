import type { CidrRange } from '../../../xds/filters/rbac.ts';

// IP addresses and CIDR ranges as big integers, parsed once: a range is compiled per snapshot,
// a request's address once per request. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as IPv4, so a
// dual-stack runtime's notation cannot step around an IPv4 block.

export interface ParsedIp {
  v6: boolean;
  value: bigint;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) is the last two groups.
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const explicit = head.length + rest.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  const words: bigint[] = [];
  for (const g of head) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    words.push(BigInt(`0x${g}`));
  }
  if (halves.length === 2) for (let i = 0; i < 8 - explicit; i++) words.push(0n);
  for (const g of rest) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    words.push(BigInt(`0x${g}`));
  }
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

const MAPPED_PREFIX = 0xffffn << 32n;

export function parseIp(s: string | null | undefined): ParsedIp | undefined {
  if (!s) return undefined;
  const t = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (!t.includes(':')) {
    const v = parseIPv4(t);
    return v === undefined ? undefined : { v6: false, value: v };
  }
  const v = parseIPv6(t);
  if (v === undefined) return undefined;
  if (v >> 32n === 0xffffn && (v & ~0xffffffffn) === MAPPED_PREFIX) return { v6: false, value: v & 0xffffffffn };
  return { v6: true, value: v };
}

/** A CIDR range as a predicate over parsed addresses; an unparsable range is a compile error. */
export function compileCidr(r: CidrRange): (ip: ParsedIp | undefined) => boolean {
  const base = parseIp(r.address_prefix);
  if (!base) throw new Error(`invalid CIDR address ${JSON.stringify(r.address_prefix)}`);
  const bits = base.v6 ? 128 : 32;
  const len = r.prefix_len ?? bits;
  if (len < 0 || len > bits) throw new Error(`invalid CIDR prefix length ${len} for ${r.address_prefix}`);
  const shift = BigInt(bits - len);
  const net = base.value >> shift;
  return (ip) => ip !== undefined && ip.v6 === base.v6 && ip.value >> shift === net;
}
