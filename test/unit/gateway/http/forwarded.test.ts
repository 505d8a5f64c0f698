import { describe, expect, it } from 'vitest';
import {
  INTERNAL_CIDRS,
  UNTRUSTED_ENVOY_HEADERS,
  applyForwardedHeaders,
  clientIpOf,
  compileCidrs,
  ipInCidrs,
  isInternalCaller,
  arrivedDirectly,
  parseIp,
  stripUntrusted,
} from '../../../../src/gateway/http/forwarded.ts';

const bytes = (ip: string) => Array.from(parseIp(ip) ?? []);

describe('parseIp', () => {
  it('parses IPv4', () => {
    expect(bytes('10.1.2.3')).toEqual([10, 1, 2, 3]);
    expect(bytes(' 255.255.255.255 ')).toEqual([255, 255, 255, 255]);
    expect(bytes('0.0.0.0')).toEqual([0, 0, 0, 0]);
  });
  it('parses IPv6 forms', () => {
    expect(bytes('::1')).toEqual([...new Array(15).fill(0), 1]);
    expect(bytes('::')).toEqual(new Array(16).fill(0));
    expect(bytes('[fe80::1%eth0]')).toEqual([0xfe, 0x80, ...new Array(13).fill(0), 1]);
    expect(bytes('2001:db8:0:0:0:0:0:1')).toEqual(bytes('2001:DB8::1'));
    expect(bytes('1::')).toEqual([0, 1, ...new Array(14).fill(0)]);
    expect(bytes('::1.2.3.4')).toEqual([...new Array(12).fill(0), 1, 2, 3, 4]);
    expect(bytes('1:2:3:4:5:6:1.2.3.4')).toHaveLength(16);
  });
  it('returns IPv4-mapped IPv6 as IPv4', () => {
    expect(bytes('::ffff:10.0.0.1')).toEqual([10, 0, 0, 1]);
    expect(bytes('::FFFF:a00:1')).toEqual([10, 0, 0, 1]);
  });
  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.-4',
    'a.b.c.d',
    ':::',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7::8',
    '::1.2.3',
    '::g',
    'localhost',
    '%eth0',
  ])('rejects %j', (v) => expect(parseIp(v)).toBeNull());
  it('rejects non-strings', () => {
    expect(parseIp(null)).toBeNull();
    expect(parseIp(undefined)).toBeNull();
  });
});

describe('compileCidrs / ipInCidrs', () => {
  it('matches prefixes of any length', () => {
    const set = compileCidrs(['203.0.113.0/24', '198.51.100.7', '2001:db8::/33', '100.64.0.0/10', '0.0.0.0/0']);
    expect(ipInCidrs('203.0.113.255', set)).toBe(true);
    expect(ipInCidrs('198.51.100.7', set)).toBe(true);
    expect(ipInCidrs('2001:db8:7fff::1', set)).toBe(true);
    expect(ipInCidrs('2001:db8:8000::1', set)).toBe(false);
    expect(ipInCidrs('100.127.255.255', set)).toBe(true);
    expect(ipInCidrs('8.8.8.8', set)).toBe(true); // 0.0.0.0/0
    expect(ipInCidrs('::2', set)).toBe(false);
    expect(ipInCidrs('nope', set)).toBe(false);
    expect(ipInCidrs(null, set)).toBe(false);
    expect(ipInCidrs(parseIp('198.51.100.7'), set)).toBe(true);
  });
  it('odd prefix lengths and IPv4-mapped CIDRs', () => {
    const set = compileCidrs(['192.168.1.128/25', '::ffff:10.9.0.0/112']);
    expect(ipInCidrs('192.168.1.200', set)).toBe(true);
    expect(ipInCidrs('192.168.1.127', set)).toBe(false);
    expect(ipInCidrs('10.9.200.1', set)).toBe(true);
    expect(ipInCidrs('10.8.0.1', set)).toBe(false);
  });
  it.each(['1.2.3.0/33', '::/129', '1.2.3.0/', '1.2.3.0/x', 'host/8', '1.2.3.4/-1', '::ffff:1.2.3.4/95'])('throws on %j', (c) =>
    expect(() => compileCidrs([c])).toThrow(),
  );
});

describe('arrivedDirectly (Envoy: internal only without x-forwarded-for)', () => {
  it('no x-forwarded-for, or only the client address Cloudflare appended: direct', () => {
    expect(arrivedDirectly(null, '10.0.0.5')).toBe(true);
    expect(arrivedDirectly('', '10.0.0.5')).toBe(true);
    expect(arrivedDirectly(' 10.0.0.5 ', '10.0.0.5')).toBe(true);
  });
  it('relayed for someone else: not direct', () => {
    expect(arrivedDirectly('203.0.113.9', '10.0.0.5')).toBe(false);
    expect(arrivedDirectly('203.0.113.9, 10.0.0.5', '10.0.0.5')).toBe(false);
  });
});

describe('isInternalCaller', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.10',
    '169.254.1.1',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    '::ffff:192.168.1.1',
    '[::1]',
  ])('internal: %s', (ip) => expect(isInternalCaller(ip)).toBe(true));

  it.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '192.169.0.1', '100.64.0.1', '2001:db8::1', 'fec0::1', '::ffff:8.8.8.8', '0.0.0.0'])(
    'external: %s',
    (ip) => expect(isInternalCaller(ip)).toBe(false),
  );

  it('unknown or malformed address ⇒ external', () => {
    expect(isInternalCaller(null)).toBe(false);
    expect(isInternalCaller(undefined)).toBe(false);
    expect(isInternalCaller('')).toBe(false);
    expect(isInternalCaller('10.0.0.256')).toBe(false);
  });

  it('configured CIDRs (array compiled once, or a CidrSet)', () => {
    const list = ['100.64.0.0/10', '2001:db8::/32'];
    expect(isInternalCaller('100.64.3.4', list)).toBe(true);
    expect(isInternalCaller('100.64.3.4', list)).toBe(true); // cached path
    expect(isInternalCaller('2001:db8::9', compileCidrs(list))).toBe(true);
    expect(isInternalCaller('8.8.8.8', list)).toBe(false);
    expect(isInternalCaller('10.0.0.1', [])).toBe(true);
  });

  it('lists the built-in ranges', () => {
    expect(INTERNAL_CIDRS).toEqual(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10']);
  });
});

describe('clientIpOf', () => {
  it('trusts CF-Connecting-IP only through Cloudflare', () => {
    const h = new Headers({ 'cf-connecting-ip': '203.0.113.9' });
    expect(clientIpOf(h, { viaCloudflare: true })).toBe('203.0.113.9');
    expect(clientIpOf(h, { viaCloudflare: false })).toBeNull();
    expect(clientIpOf(h, { viaCloudflare: false, fallback: '127.0.0.1' })).toBe('127.0.0.1');
  });
  it('invalid or missing values give null', () => {
    expect(clientIpOf(new Headers({ 'cf-connecting-ip': 'evil' }), { viaCloudflare: true })).toBeNull();
    expect(clientIpOf(new Headers(), { viaCloudflare: true })).toBeNull();
    expect(clientIpOf(new Headers(), { viaCloudflare: false, fallback: 'nope' })).toBeNull();
    expect(clientIpOf(new Headers(), { viaCloudflare: false, fallback: null })).toBeNull();
    expect(clientIpOf(new Headers({ 'cf-connecting-ip': '2001:db8::1' }), { viaCloudflare: true })).toBe('2001:db8::1');
  });
});

describe('stripUntrusted', () => {
  it('removes the x-envoy control headers and nothing else', () => {
    const h = new Headers({ 'x-envoy-foo': 'kept', 'x-request-id': 'r', 'x-forwarded-for': '1.2.3.4' });
    for (const n of UNTRUSTED_ENVOY_HEADERS) h.set(n, '1');
    expect(stripUntrusted(h)).toBe(h);
    expect([...h.keys()].sort()).toEqual(['x-envoy-foo', 'x-forwarded-for', 'x-request-id']);
  });
  it('covers the retry/timeout overrides and the rest of Envoy cleanInternalHeaders', () => {
    for (const n of ['x-envoy-max-retries', 'x-envoy-upstream-rq-timeout-ms', 'x-envoy-retry-on', 'x-envoy-upstream-rq-per-try-timeout-ms', 'x-envoy-original-url'])
      expect(UNTRUSTED_ENVOY_HEADERS).toContain(n);
  });
});

describe('applyForwardedHeaders', () => {
  const envoyHeaders = { 'x-envoy-max-retries': '5', 'x-envoy-upstream-rq-timeout-ms': '1', 'x-envoy-retry-on': '5xx', 'x-envoy-upstream-rq-per-try-timeout-ms': '1' };

  it('external: strips x-envoy controls, appends XFF, overwrites XFP, sets external address and host', () => {
    const h = new Headers({ ...envoyHeaders, 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https', 'x-envoy-internal': 'true', 'x-forwarded-host': 'spoof' });
    applyForwardedHeaders(h, { clientIp: '203.0.113.9', scheme: 'http', internal: false, authority: 'app.example.com' });
    expect(Object.fromEntries(h)).toEqual({
      'x-forwarded-for': '198.51.100.1, 203.0.113.9',
      'x-forwarded-proto': 'http',
      'x-envoy-external-address': '203.0.113.9',
      'x-forwarded-host': 'app.example.com',
    });
  });

  it('external with an x-envoy-external-address spoof and no client IP: removed, nothing added', () => {
    const h = new Headers({ 'x-envoy-external-address': '1.1.1.1' });
    applyForwardedHeaders(h, { clientIp: null, scheme: 'https', internal: false });
    expect(Object.fromEntries(h)).toEqual({ 'x-forwarded-proto': 'https' });
  });

  it('internal: honours x-envoy controls, keeps the external address, marks internal; XFP is still the arrival scheme (Envoy, no trusted hops)', () => {
    const h = new Headers({ ...envoyHeaders, 'x-forwarded-proto': 'https', 'x-envoy-external-address': '203.0.113.9' });
    applyForwardedHeaders(h, { clientIp: '10.0.0.5', scheme: 'http', internal: true, authority: 'reviews:9080' });
    expect(Object.fromEntries(h)).toEqual({
      ...envoyHeaders,
      'x-forwarded-for': '10.0.0.5',
      'x-forwarded-proto': 'http',
      'x-envoy-external-address': '203.0.113.9',
      'x-envoy-internal': 'true',
      'x-forwarded-host': 'reviews:9080',
    });
  });

  it('internal with an invalid XFP: replaced', () => {
    const h = new Headers({ 'x-forwarded-proto': 'gopher' });
    applyForwardedHeaders(h, { clientIp: '127.0.0.1', scheme: 'http', internal: true });
    expect(h.get('x-forwarded-proto')).toBe('http');
  });

  it('does not append the client twice when Cloudflare already did', () => {
    const h = new Headers({ 'x-forwarded-for': '198.51.100.1,203.0.113.9' });
    applyForwardedHeaders(h, { clientIp: '203.0.113.9', scheme: 'https', internal: false });
    expect(h.get('x-forwarded-for')).toBe('198.51.100.1,203.0.113.9');
    const e = new Headers({ 'x-forwarded-for': '   ' });
    applyForwardedHeaders(e, { clientIp: '203.0.113.9', scheme: 'https', internal: false });
    expect(e.get('x-forwarded-for')).toBe('203.0.113.9');
  });

  it('end to end: CF-Connecting-IP → internal decision → headers', () => {
    const h = new Headers({ 'cf-connecting-ip': '192.168.1.20', ...envoyHeaders });
    const ip = clientIpOf(h, { viaCloudflare: true });
    applyForwardedHeaders(h, { clientIp: ip, scheme: 'https', internal: isInternalCaller(ip), authority: 'a' });
    expect(h.get('x-envoy-max-retries')).toBe('5');
    const x = new Headers({ 'cf-connecting-ip': '8.8.4.4', ...envoyHeaders });
    const ip2 = clientIpOf(x, { viaCloudflare: true });
    applyForwardedHeaders(x, { clientIp: ip2, scheme: 'https', internal: isInternalCaller(ip2) });
    expect(x.has('x-envoy-max-retries')).toBe(false);
    expect(x.get('x-envoy-external-address')).toBe('8.8.4.4');
  });
});
