import { describe, expect, it } from 'vitest';
import { edgePort, formatAuthority, parseAuthority } from '../../../../src/gateway/http/host.ts';

describe('parseAuthority', () => {
  it.each([
    ['example.com', { host: 'example.com', port: null, ipv6: false }],
    ['Example.COM:8080', { host: 'example.com', port: 8080, ipv6: false }],
    ['reviews.default.svc.cluster.local:9080', { host: 'reviews.default.svc.cluster.local', port: 9080, ipv6: false }],
    ['127.0.0.1:80', { host: '127.0.0.1', port: 80, ipv6: false }],
    ['[::1]', { host: '::1', port: null, ipv6: true }],
    ['[2001:DB8::1]:443', { host: '2001:db8::1', port: 443, ipv6: true }],
    ['[::ffff:10.0.0.1]:1', { host: '::ffff:10.0.0.1', port: 1, ipv6: true }],
    ['host:', { host: 'host', port: null, ipv6: false }],
    ['[::1]:', { host: '::1', port: null, ipv6: true }],
    ['host:0', { host: 'host', port: 0, ipv6: false }],
    ['host:65535', { host: 'host', port: 65535, ipv6: false }],
    ['  spaced.example  ', { host: 'spaced.example', port: null, ipv6: false }],
    ['xn--bcher-kva.example', { host: 'xn--bcher-kva.example', port: null, ipv6: false }],
    ['*.example.com', { host: '*.example.com', port: null, ipv6: false }],
  ])('%j', (a, expected) => expect(parseAuthority(a)).toEqual(expected));

  it.each([
    '',
    '   ',
    ':80',
    'host:65536',
    'host:99999999',
    'host:-1',
    'host:8o',
    'host:80:81',
    '::1',
    '2001:db8::1',
    '[::1',
    '[::1]x',
    '[::1]:x',
    '[]',
    '[zz::1]',
    '[127.0.0.1]',
    'user@host',
    'host/path',
    'host?q',
    'host#f',
    'ho st',
    'höst',
  ])('rejects %j', (a) => expect(parseAuthority(a)).toBeNull());

  it('rejects non-strings', () => {
    expect(parseAuthority(null)).toBeNull();
    expect(parseAuthority(undefined)).toBeNull();
  });
});

describe('formatAuthority', () => {
  it('brackets IPv6 and adds the port', () => {
    expect(formatAuthority('example.com')).toBe('example.com');
    expect(formatAuthority('example.com', 8080)).toBe('example.com:8080');
    expect(formatAuthority('::1', 443)).toBe('[::1]:443');
    expect(formatAuthority('[::1]', 443)).toBe('[::1]:443');
    expect(formatAuthority('::1', null)).toBe('[::1]');
  });
});

describe('edgePort', () => {
  it('uses the URL port, else the scheme default', () => {
    expect(edgePort('http://a.test/x')).toBe(80);
    expect(edgePort('https://a.test/x')).toBe(443);
    expect(edgePort('http://a.test:8080/x')).toBe(8080);
    expect(edgePort(new URL('https://a.test:8443/'))).toBe(8443);
    // WHATWG drops a port equal to the default
    expect(edgePort('https://a.test:443/')).toBe(443);
    expect(edgePort('ws://a.test/')).toBe(80);
    expect(edgePort('wss://a.test/')).toBe(443);
  });
  it('prefers a valid override', () => {
    expect(edgePort('http://a.test:8080/', 9000)).toBe(9000);
    expect(edgePort('http://a.test/', null)).toBe(80);
    expect(() => edgePort('http://a.test/', 0)).toThrow(RangeError);
    expect(() => edgePort('http://a.test/', 70000)).toThrow(RangeError);
    expect(() => edgePort('http://a.test/', 1.5)).toThrow(RangeError);
  });
  it('throws for a scheme without a default port', () => {
    expect(() => edgePort('ftp://a.test/')).toThrow(RangeError);
  });
});
