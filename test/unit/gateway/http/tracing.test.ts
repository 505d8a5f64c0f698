import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../../../src/gateway/runtime.ts';
import {
  extractTrace,
  formatTraceparent,
  injectTrace,
  newSpanId,
  newTraceId,
  nextHop,
  parseB3Multi,
  parseB3Single,
  parseTraceparent,
  parseTracestate,
  propagateTrace,
  samplingOnly,
} from '../../../../src/gateway/http/tracing.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const TP = `00-${TRACE}-${SPAN}-01`;
const TP_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe('parseTraceparent', () => {
  it('parses the W3C example', () => {
    expect(parseTraceparent(TP)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 1 });
    expect(parseTraceparent(` ${TP.slice(0, -2)}00 `)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 0 });
  });
  it('reads a future version by its first four fields', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-03-extra`)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 3 });
  });
  it.each([
    '',
    'garbage',
    `ff-${TRACE}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-01-extra`,
    `00-${TRACE.toUpperCase()}-${SPAN}-01`,
    `00-${'0'.repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE.slice(1)}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-1`,
    `00-${TRACE}-${SPAN}-zz`,
    `0-${TRACE}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}`,
  ])('rejects %j', (v) => expect(parseTraceparent(v)).toBeNull());
  it('rejects non-strings', () => expect(parseTraceparent(null)).toBeNull());
});

describe('parseTracestate', () => {
  it('accepts and tidies valid lists', () => {
    expect(parseTracestate('congo=t61rcWkgMzE, rojo=00f067aa0ba902b7')).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(parseTracestate('tenant@vendor=x')).toBe('tenant@vendor=x');
    expect(parseTracestate('a=1,,b=2')).toBe('a=1,b=2');
  });
  it.each(['', ',', 'noequals', 'A=upper', 'a=', 'a=x=y,a=z', 'a=1,a=2', 'a=has,comma', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')])(
    'rejects %j',
    (v) => expect(parseTracestate(v)).toBeNull(),
  );
});

describe('parseB3Single / parseB3Multi / samplingOnly', () => {
  it('single: all forms', () => {
    expect(parseB3Single(`${TRACE}-${SPAN}-1-${'a'.repeat(16)}`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, debug: false });
    expect(parseB3Single(`${TRACE}-${SPAN}-d`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, debug: true });
    expect(parseB3Single(`${TRACE}-${SPAN}-0`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false, debug: false });
    expect(parseB3Single(`${TRACE}-${SPAN}`)).toEqual({ traceId: TRACE, spanId: SPAN, debug: false });
    expect(parseB3Single(`a3ce929d0e0e4736-${SPAN.toUpperCase()}-1`)).toEqual({ traceId: '0'.repeat(16) + 'a3ce929d0e0e4736', spanId: SPAN, sampled: true, debug: false });
    expect(parseB3Single('0')).toEqual({ sampled: false, debug: false });
    expect(parseB3Single('1')).toEqual({ sampled: true, debug: false });
    expect(parseB3Single('d')).toEqual({ sampled: true, debug: true });
  });
  it.each(['', 'x', `${TRACE}`, `${TRACE}-x`, `${TRACE}-${SPAN}-2`, `${TRACE}-${SPAN}-1-bad`, `${TRACE}-${SPAN}-1-${SPAN}-x`, `${'0'.repeat(32)}-${SPAN}-1`, `abc-${SPAN}-1`])(
    'single rejects %j',
    (v) => expect(parseB3Single(v)).toBeNull(),
  );
  it('multi', () => {
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }))).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, debug: false });
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'false' }))).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false, debug: false });
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' }))).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, debug: true });
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN }))).toEqual({ traceId: TRACE, spanId: SPAN, debug: false });
    expect(parseB3Multi(new Headers())).toBeNull();
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': TRACE }))).toBeNull();
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': 'zz', 'x-b3-spanid': SPAN }))).toBeNull();
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-parentspanid': 'bad' }))).toBeNull();
    expect(parseB3Multi(new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'maybe' }))).toBeNull();
  });
  it('sampling decision without ids', () => {
    expect(samplingOnly(new Headers({ b3: '0' }))).toEqual({ sampled: false, debug: false });
    expect(samplingOnly(new Headers({ b3: 'd' }))).toEqual({ sampled: true, debug: true });
    expect(samplingOnly(new Headers({ 'x-b3-sampled': '1' }))).toEqual({ sampled: true, debug: false });
    expect(samplingOnly(new Headers({ 'x-b3-flags': '1' }))).toEqual({ sampled: true, debug: true });
    expect(samplingOnly(new Headers())).toBeNull();
    expect(samplingOnly(new Headers({ 'x-b3-sampled': 'x' }))).toBeNull();
  });
});

describe('ids', () => {
  it('are random via rt.random(), deterministic per seed, non-zero hex', () => {
    const a = testRuntime(7);
    const b = testRuntime(7);
    const s = newSpanId(a);
    expect(s).toMatch(/^[0-9a-f]{16}$/);
    expect(newSpanId(b)).toBe(s);
    expect(newTraceId(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(newSpanId(a)).not.toBe(s);
  });
  it('never all zeros', () => {
    const zero = { now: () => 0, random: () => 0 };
    expect(newSpanId(zero)).toBe('0000000000000001');
    expect(newTraceId(zero)).toBe('00000000000000000000000000000001');
  });
});

describe('propagateTrace', () => {
  it('W3C only: keeps the trace and tracestate, new span, incoming span becomes parent', () => {
    const h = new Headers({ traceparent: TP, tracestate: 'rojo=1' });
    const ctx = propagateTrace(h, testRuntime(1));
    expect(ctx.traceId).toBe(TRACE);
    expect(ctx.parentSpanId).toBe(SPAN);
    expect(ctx.spanId).not.toBe(SPAN);
    expect(ctx.sampled).toBe(true);
    expect(ctx.started).toBe(false);
    expect(h.get('traceparent')).toBe(`00-${TRACE}-${ctx.spanId}-01`);
    expect(h.get('tracestate')).toBe('rojo=1');
    expect(h.has('x-b3-traceid')).toBe(false);
    expect(h.has('b3')).toBe(false);
  });

  it('keeps the not-sampled decision and re-emits a future version as 00', () => {
    const h = new Headers({ traceparent: `02-${TRACE}-${SPAN}-00-zz` });
    const ctx = propagateTrace(h, testRuntime(1), { samplingPercent: 100 });
    expect(ctx.sampled).toBe(false);
    expect(h.get('traceparent')).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
  });

  it('B3 multi only: continued in B3 (parent = incoming span) and traceparent added', () => {
    const h = new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-parentspanid': 'aaaaaaaaaaaaaaaa', 'x-b3-sampled': '0' });
    const ctx = propagateTrace(h, testRuntime(2));
    expect(Object.fromEntries(h)).toEqual({
      traceparent: `00-${TRACE}-${ctx.spanId}-00`,
      'x-b3-traceid': TRACE,
      'x-b3-spanid': ctx.spanId,
      'x-b3-parentspanid': SPAN,
      'x-b3-sampled': '0',
    });
  });

  it('64-bit B3 trace ids stay 64-bit in B3 and are zero-padded in traceparent', () => {
    const h = new Headers({ 'x-b3-traceid': 'A3CE929D0E0E4736', 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' });
    const ctx = propagateTrace(h, testRuntime(3));
    expect(ctx.traceId).toBe('0000000000000000a3ce929d0e0e4736');
    expect(h.get('x-b3-traceid')).toBe('a3ce929d0e0e4736');
    expect(h.get('traceparent')).toBe(`00-0000000000000000a3ce929d0e0e4736-${ctx.spanId}-01`);
  });

  it('B3 single: continued in single form', () => {
    const h = new Headers({ b3: `${TRACE}-${SPAN}-d` });
    const ctx = propagateTrace(h, testRuntime(4));
    expect(ctx.debug).toBe(true);
    expect(ctx.sampled).toBe(true);
    expect(h.get('b3')).toBe(`${TRACE}-${ctx.spanId}-d-${SPAN}`);
    expect(h.get('traceparent')).toBe(`00-${TRACE}-${ctx.spanId}-01`);
    expect(h.has('x-b3-traceid')).toBe(false);
  });

  it('debug in multi form sends x-b3-flags and no x-b3-sampled', () => {
    const h = new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1', 'x-b3-sampled': '0' });
    propagateTrace(h, testRuntime(4));
    expect(h.get('x-b3-flags')).toBe('1');
    expect(h.has('x-b3-sampled')).toBe(false);
  });

  it('both present and disagreeing: traceparent wins, B3 rewritten to match', () => {
    const other = 'ffffffffffffffffffffffffffffffff';
    const h = new Headers({ traceparent: TP, 'x-b3-traceid': other, 'x-b3-spanid': 'bbbbbbbbbbbbbbbb', 'x-b3-sampled': '0', b3: `${other}-bbbbbbbbbbbbbbbb-0` });
    const ctx = propagateTrace(h, testRuntime(5));
    expect(ctx.traceId).toBe(TRACE);
    expect(h.get('x-b3-traceid')).toBe(TRACE);
    expect(h.get('x-b3-spanid')).toBe(ctx.spanId);
    expect(h.get('x-b3-parentspanid')).toBe(SPAN);
    expect(h.get('x-b3-sampled')).toBe('1');
    expect(h.get('b3')).toBe(`${TRACE}-${ctx.spanId}-1-${SPAN}`);
  });

  it('traceparent + matching B3 debug flag: debug kept', () => {
    const h = new Headers({ traceparent: `00-${TRACE}-${SPAN}-00`, 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' });
    const ctx = propagateTrace(h, testRuntime(5));
    expect(ctx.debug).toBe(true);
    expect(ctx.sampled).toBe(true);
    expect(h.get('traceparent')?.endsWith('-01')).toBe(true);
  });

  it('invalid traceparent with valid B3: B3 used, traceparent replaced, tracestate dropped', () => {
    const h = new Headers({ traceparent: 'junk', tracestate: 'a=1', 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' });
    const ctx = propagateTrace(h, testRuntime(6));
    expect(ctx.traceId).toBe(TRACE);
    expect(h.get('traceparent')).toBe(`00-${TRACE}-${ctx.spanId}-01`);
    expect(h.has('tracestate')).toBe(false);
  });

  it('invalid tracestate is dropped, the trace kept', () => {
    const h = new Headers({ traceparent: TP, tracestate: 'BAD STATE' });
    propagateTrace(h, testRuntime(6));
    expect(h.has('tracestate')).toBe(false);
    expect(h.get('traceparent')).toContain(TRACE);
  });

  it('everything invalid: a new trace replaces it, B3 re-sent in the forms that arrived', () => {
    const h = new Headers({ traceparent: 'junk', 'x-b3-traceid': 'nope', 'x-b3-spanid': 'nope', b3: 'nope' });
    const ctx = propagateTrace(h, testRuntime(8), { samplingPercent: 100 });
    expect(ctx.started).toBe(true);
    expect(ctx.parentSpanId).toBeUndefined();
    expect(h.get('traceparent')).toMatch(TP_RE);
    expect(h.get('x-b3-traceid')).toBe(ctx.traceId);
    expect(h.get('x-b3-spanid')).toBe(ctx.spanId);
    expect(h.has('x-b3-parentspanid')).toBe(false);
    expect(h.get('b3')).toBe(`${ctx.traceId}-${ctx.spanId}-1`);
  });

  it('no headers: starts a trace, sampling by percentage (default 1%)', () => {
    const rt = testRuntime(9);
    let sampled = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const h = new Headers();
      const ctx = propagateTrace(h, rt);
      expect(ctx.started).toBe(true);
      if (ctx.sampled) sampled++;
      if (i === 0) {
        expect([...h.keys()]).toEqual(['traceparent']);
        expect(h.get('traceparent')).toMatch(TP_RE);
      }
    }
    expect(sampled).toBeGreaterThan(10);
    expect(sampled).toBeLessThan(90);
  });

  it('sampling 0 and 100, and out-of-range values', () => {
    const rt = testRuntime(10);
    for (let i = 0; i < 50; i++) {
      expect(propagateTrace(new Headers(), rt, { samplingPercent: 100 }).sampled).toBe(true);
      expect(propagateTrace(new Headers(), rt, { samplingPercent: 0 }).sampled).toBe(false);
      expect(propagateTrace(new Headers(), rt, { samplingPercent: 500 }).sampled).toBe(true);
      expect(propagateTrace(new Headers(), rt, { samplingPercent: -1 }).sampled).toBe(false);
      expect(propagateTrace(new Headers(), rt, { samplingPercent: Number.NaN }).sampled).toBe(false);
    }
  });

  it('B3 deferred decision: sampled by percentage', () => {
    const h = new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN });
    expect(propagateTrace(h, testRuntime(1), { samplingPercent: 100 }).sampled).toBe(true);
    const g = new Headers({ b3: `${TRACE}-${SPAN}` });
    expect(propagateTrace(g, testRuntime(1), { samplingPercent: 0 }).sampled).toBe(false);
    expect(g.get('b3')).toMatch(new RegExp(`^${TRACE}-[0-9a-f]{16}-0-${SPAN}$`));
  });

  it('a bare sampling decision is honoured for the new trace', () => {
    const h = new Headers({ b3: '0' });
    const ctx = propagateTrace(h, testRuntime(11), { samplingPercent: 100 });
    expect(ctx.sampled).toBe(false);
    expect(h.get('b3')).toBe(`${ctx.traceId}-${ctx.spanId}-0`);
    const d = new Headers({ 'x-b3-flags': '1' });
    const c2 = propagateTrace(d, testRuntime(11), { samplingPercent: 0 });
    expect(c2).toMatchObject({ sampled: true, debug: true });
    expect(d.get('x-b3-flags')).toBe('1');
  });

  it("b3: 'always' adds multi B3; 'never' removes B3", () => {
    const a = new Headers({ traceparent: TP });
    const ctx = propagateTrace(a, testRuntime(12), { b3: 'always' });
    expect(a.get('x-b3-traceid')).toBe(TRACE);
    expect(a.get('x-b3-spanid')).toBe(ctx.spanId);
    const n = new Headers({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, b3: `${TRACE}-${SPAN}-1` });
    propagateTrace(n, testRuntime(12), { b3: 'never' });
    expect([...n.keys()]).toEqual(['traceparent']);
    expect(n.get('traceparent')).toContain(TRACE);
  });

  it('each hop makes a new span; two hops chain parent → child', () => {
    const rt = testRuntime(13);
    const h = new Headers({ traceparent: TP });
    const first = propagateTrace(h, rt);
    const second = propagateTrace(h, rt);
    expect(second.traceId).toBe(TRACE);
    expect(second.parentSpanId).toBe(first.spanId);
    expect(second.spanId).not.toBe(first.spanId);
  });
});

describe('building blocks', () => {
  it('extractTrace precedence: traceparent, then b3, then x-b3', () => {
    const other = 'ffffffffffffffffffffffffffffffff';
    expect(extractTrace(new Headers({ traceparent: TP, b3: `${other}-${SPAN}-1` }))?.source).toBe('traceparent');
    expect(extractTrace(new Headers({ b3: `${TRACE}-${SPAN}-1`, 'x-b3-traceid': other, 'x-b3-spanid': SPAN }))).toMatchObject({ source: 'b3', traceId: TRACE });
    expect(extractTrace(new Headers({ b3: '1', 'x-b3-traceid': other, 'x-b3-spanid': SPAN }))).toMatchObject({ source: 'x-b3', traceId: other });
    expect(extractTrace(new Headers())).toBeNull();
  });
  it('nextHop and injectTrace compose; formatTraceparent', () => {
    const ctx = nextHop({ traceId: TRACE, spanId: SPAN, sampled: true, debug: false, source: 'traceparent' }, testRuntime(1));
    expect(formatTraceparent(ctx)).toBe(`00-${TRACE}-${ctx.spanId}-01`);
    const h = injectTrace(new Headers({ tracestate: 'stale=1' }), ctx, { multi: true, single: true });
    expect(h.has('tracestate')).toBe(false);
    expect(h.get('x-b3-sampled')).toBe('1');
    expect(h.get('b3')).toBe(`${TRACE}-${ctx.spanId}-1-${SPAN}`);
  });
});
