import { describe, expect, it } from 'vitest';
import { HOP_BY_HOP_HEADERS, isWebSocketUpgrade, stripHopByHop } from '../../../../src/gateway/http/hop-by-hop.ts';

const names = (h: Headers) => [...h.keys()].sort();

describe('stripHopByHop', () => {
  it('removes every fixed hop-by-hop header from a request', () => {
    const h = new Headers({ 'x-keep': '1' });
    for (const n of HOP_BY_HOP_HEADERS) h.set(n, 'v');
    stripHopByHop(h);
    expect(names(h)).toEqual(['x-keep']);
  });

  it('removes the headers Connection names (case-insensitive, with odd spacing)', () => {
    const h = new Headers({ connection: 'close, X-Foo ,,x-bar', 'x-foo': '1', 'x-bar': '2', 'x-baz': '3' });
    stripHopByHop(h);
    expect(names(h)).toEqual(['x-baz']);
  });

  it('ignores malformed Connection tokens', () => {
    const h = new Headers({ connection: 'x y, "quoted"', 'x-y': '1' });
    stripHopByHop(h);
    expect(names(h)).toEqual(['x-y']);
  });

  it('keeps TE: trailers only', () => {
    const a = stripHopByHop(new Headers({ te: 'trailers' }));
    expect(a.get('te')).toBe('trailers');
    const b = stripHopByHop(new Headers({ te: 'gzip, Trailers;q=0.5' }));
    expect(b.get('te')).toBe('trailers');
    const c = stripHopByHop(new Headers({ te: 'gzip, deflate' }));
    expect(c.has('te')).toBe(false);
    const d = stripHopByHop(new Headers({ te: 'trailers' }), 'response');
    expect(d.has('te')).toBe(false);
  });

  it('keeps a WebSocket upgrade on a request', () => {
    const h = new Headers({ connection: 'keep-alive, Upgrade', upgrade: 'WebSocket', 'sec-websocket-key': 'k', 'keep-alive': 'timeout=5' });
    expect(isWebSocketUpgrade(h)).toBe(true);
    stripHopByHop(h);
    expect(Object.fromEntries(h)).toEqual({ connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' });
  });

  it('drops a non-WebSocket upgrade (h2c) and an upgrade without Connection: upgrade', () => {
    const a = new Headers({ connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'x' });
    expect(isWebSocketUpgrade(a)).toBe(false);
    expect(names(stripHopByHop(a))).toEqual([]);
    const b = new Headers({ upgrade: 'websocket' });
    expect(isWebSocketUpgrade(b)).toBe(false);
    expect(names(stripHopByHop(b))).toEqual([]);
  });

  it('responses: removes hop-by-hop; keeps the upgrade only when asked (101)', () => {
    const r = new Headers({ connection: 'close, x-a', 'x-a': '1', 'transfer-encoding': 'chunked', 'proxy-authenticate': 'Basic', 'content-type': 'text/plain' });
    stripHopByHop(r, 'response');
    expect(names(r)).toEqual(['content-type']);
    const ws = new Headers({ connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-accept': 'a' });
    expect(names(stripHopByHop(new Headers(ws), 'response'))).toEqual(['sec-websocket-accept']);
    expect(Object.fromEntries(stripHopByHop(ws, 'response', { keepWebSocketUpgrade: true }))).toEqual({
      connection: 'upgrade',
      upgrade: 'websocket',
      'sec-websocket-accept': 'a',
    });
  });

  it('an explicit keepWebSocketUpgrade: false wins on requests', () => {
    const h = new Headers({ connection: 'upgrade', upgrade: 'websocket' });
    expect(names(stripHopByHop(h, 'request', { keepWebSocketUpgrade: false }))).toEqual([]);
  });

  it('returns the same Headers and leaves end-to-end headers alone', () => {
    const h = new Headers({ authorization: 'Bearer x', 'content-length': '3', host: 'a' });
    expect(stripHopByHop(h)).toBe(h);
    expect(names(h)).toEqual(['authorization', 'content-length', 'host']);
  });
});
