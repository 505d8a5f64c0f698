import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { copyHeaders, HeaderMap, headersInit } from '../../../../src/gateway/http/header-map.ts';
import { stripHopByHop } from '../../../../src/gateway/http/hop-by-hop.ts';

const sorted = (h: Iterable<[string, string]>) => [...h].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('HeaderMap', () => {
  it('reads a Headers once: names case-insensitive, values as Headers combines them', () => {
    const base = new Headers([['X-A', '1'], ['x-a', '2'], ['Host', 'example.com']]);
    const m = HeaderMap.from(base);
    expect(m.get('x-a')).toBe('1, 2');
    expect(m.get('X-A')).toBe('1, 2');
    expect(m.has('HOST')).toBe(true);
    expect(m.get('absent')).toBeNull();
    expect([...m.keys()].sort()).toEqual(['host', 'x-a']);
  });

  it('trims HTTP whitespace from values and joins appends with ", "', () => {
    const m = HeaderMap.from(new Headers());
    m.set('x-t', ' \t v \r\n');
    expect(m.get('x-t')).toBe('v');
    m.append('X-T', ' w ');
    expect(m.get('x-t')).toBe('v, w');
  });

  it('refuses what Headers refuses: a bad name, a value with CR, LF or NUL', () => {
    const m = HeaderMap.from(new Headers());
    expect(() => m.set('bad name', 'v')).toThrow(TypeError);
    expect(() => m.set('Bad Name', 'v')).toThrow(TypeError);
    expect(() => m.set('x-ok', 'a\r\nx-injected: 1')).toThrow(TypeError);
    expect(() => m.append('x-ok', 'a\0b')).toThrow(TypeError);
    expect(m.has('x-ok')).toBe(false);
  });

  it('toHeaders: the original object when nothing changed, else a copy with only the changes written', () => {
    const base = new Headers({ keep: '1', drop: '2', change: '3' });
    const unchanged = HeaderMap.from(base);
    unchanged.delete('absent');
    expect(unchanged.toHeaders()).toBe(base);

    const m = HeaderMap.from(base);
    m.delete('drop');
    m.set('change', 'x');
    m.append('added', 'y');
    const out = m.toHeaders();
    expect(out).not.toBe(base);
    expect(sorted(out)).toEqual([['added', 'y'], ['change', 'x'], ['keep', '1']]);
    expect(sorted(base)).toEqual([['change', '3'], ['drop', '2'], ['keep', '1']]); // the request's own headers are untouched
  });

  it('clone and copyHeaders are independent copies', () => {
    const m = HeaderMap.from(new Headers({ a: '1' }));
    const c = m.clone();
    c.set('a', '2');
    c.set('b', '3');
    expect(m.get('a')).toBe('1');
    expect(m.has('b')).toBe(false);
    expect(sorted(c.toHeaders())).toEqual([['a', '2'], ['b', '3']]);
    const d = copyHeaders(m);
    d.delete('a');
    expect(m.get('a')).toBe('1');
    const h = new Headers({ z: '1' });
    const e = copyHeaders(h);
    e.set('z', '2');
    expect(h.get('z')).toBe('1');
  });

  it('headersInit passes a Headers through and converts a HeaderMap', () => {
    const h = new Headers({ a: '1' });
    expect(headersInit(h)).toBe(h);
    const m = HeaderMap.from([['a', '1']]);
    m.set('b', '2');
    expect(sorted(headersInit(m))).toEqual([['a', '1'], ['b', '2']]);
  });

  it('hop-by-hop stripping works on it as on Headers', () => {
    const m = HeaderMap.from(new Headers({ connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'x-keep': 'k' }));
    stripHopByHop(m, 'request');
    expect(sorted(m.toHeaders())).toEqual([['te', 'trailers'], ['x-keep', 'k']]);
  });

  // The Fetch standard's Headers (Node's implementation) is the reference model.
  it('property: any sequence of set/append/delete leaves it equal to a Headers given the same calls', () => {
    const name = fc.constantFrom('x-a', 'X-A', 'x-b', 'Accept', 'accept', 'x-forwarded-for', 'traceparent');
    const value = fc.tuple(fc.constantFrom('', ' ', '\t'), fc.stringMatching(/^[a-z0-9=,;]{0,6}$/), fc.constantFrom('', ' ', '\t')).map(([a, b, c]) => `${a}${b}${c}`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), name, value }),
      fc.record({ kind: fc.constant('append' as const), name, value }),
      fc.record({ kind: fc.constant('delete' as const), name }),
    );
    // Incoming duplicates of an empty value are left out: undici's Headers itself answers get() and
    // iteration differently for them (',' against ', ').
    const initial = fc.array(fc.tuple(name, fc.stringMatching(/^[a-z0-9=;]{1,6}$/)), { maxLength: 4 });
    fc.assert(
      fc.property(initial, fc.array(op, { maxLength: 12 }), (init, ops) => {
        const base = new Headers(init);
        const model = new Headers(base);
        const m = HeaderMap.from(base);
        for (const o of ops) {
          if (o.kind === 'delete') {
            model.delete(o.name);
            m.delete(o.name);
          } else {
            model[o.kind](o.name, o.value);
            m[o.kind](o.name, o.value);
          }
        }
        for (const n of ['x-a', 'x-b', 'accept', 'x-forwarded-for', 'traceparent']) expect(m.get(n)).toBe(model.get(n));
        expect(sorted(m.toHeaders())).toEqual(sorted(model));
      }),
    );
  });
});
