// Trace context propagation across the gateway hop: W3C Trace Context and Zipkin B3.
// - W3C `traceparent` / `tracestate`: https://www.w3.org/TR/trace-context/
// - B3 multi (`x-b3-*`) and single (`b3`) headers: https://github.com/openzipkin/b3-propagation
// - Envoy propagates the trace id, makes itself a new span whose parent is the incoming span, and
//   starts a trace (sampling by the configured percentage) when none arrives:
//   https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/observability/tracing
// - Istio's default sampling is 1% (MeshConfig defaultConfig.tracing.sampling = 1.0).
// meshgate decisions: a valid `traceparent` wins over B3 when both arrive (B3 is then rewritten to
// match, so the two never disagree); otherwise valid B3 (single `b3` before multi) is used;
// invalid headers are replaced. `traceparent` is always sent; B3 in the forms that arrived
// (`b3: 'auto'`), always, or never.

import type { Runtime } from '../runtime.ts';
import type { HeaderBag } from './header-map.ts';

export interface TraceContext {
  /** 32 lower-case hex digits (a 64-bit B3 id is left-padded with zeros). */
  traceId: string;
  /** This hop's span id: 16 lower-case hex digits. */
  spanId: string;
  /** The incoming span, when there was one. */
  parentSpanId?: string;
  sampled: boolean;
  /** B3 debug (`x-b3-flags: 1` / `b3: …-d`); implies sampled. */
  debug: boolean;
  /** W3C `tracestate`, kept when the incoming `traceparent` was valid. */
  tracestate?: string;
  /** True when this hop started the trace. */
  started: boolean;
}

/** What an incoming request carried, after validation. */
export interface IncomingTrace {
  traceId: string;
  spanId: string;
  /** undefined = no decision (B3 deferred); propagation then samples by percentage. */
  sampled?: boolean;
  debug: boolean;
  tracestate?: string;
  source: 'traceparent' | 'b3' | 'x-b3';
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const HEX2 = /^[0-9a-f]{2}$/;
const B3_TRACE = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);
// tracestate list-member (W3C §3.3.1): key=value, key simple or tenant@system.
const TS_MEMBER =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

const B3_MULTI_HEADERS = ['x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags'] as const;

/** Parses a `traceparent` (W3C §3.2); null if invalid. Future versions are read by their first four fields. */
export function parseTraceparent(value: string | null | undefined): { traceId: string; spanId: string; flags: number } | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  const parts = v.split('-');
  if (parts.length < 4) return null;
  const [version, traceId, spanId, flags] = parts as [string, string, string, string];
  if (!HEX2.test(version) || version === 'ff') return null;
  if (version === '00' && (parts.length !== 4 || v.length !== 55)) return null;
  if (!HEX32.test(traceId) || traceId === ZERO32) return null;
  if (!HEX16.test(spanId) || spanId === ZERO16) return null;
  if (!HEX2.test(flags)) return null;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

/** `00-<trace>-<span>-<flags>`. */
export function formatTraceparent(ctx: Pick<TraceContext, 'traceId' | 'spanId' | 'sampled'>): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? '01' : '00'}`;
}

/** Validates a `tracestate` (≤ 32 members, each key=value); returns it normalized or null. */
export function parseTracestate(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const members = value
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (members.length === 0 || members.length > 32) return null;
  const keys = new Set<string>();
  for (const m of members) {
    if (!TS_MEMBER.test(m)) return null;
    const key = m.slice(0, m.indexOf('='));
    if (keys.has(key)) return null;
    keys.add(key);
  }
  return members.join(',');
}

function b3TraceId(id: string): string | null {
  const t = id.trim().toLowerCase();
  if (!B3_TRACE.test(t)) return null;
  const full = t.length === 16 ? ZERO16 + t : t;
  return full === ZERO32 ? null : full;
}
function b3SpanId(id: string | null | undefined): string | null {
  if (typeof id !== 'string') return null;
  const s = id.trim().toLowerCase();
  return HEX16.test(s) && s !== ZERO16 ? s : null;
}
function b3Sampled(v: string | null | undefined): boolean | undefined | null {
  if (v == null) return undefined;
  const s = v.trim().toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  return null; // invalid
}

/** Parses the single `b3` header; null when absent or invalid. A bare sampling state (`0`, `1`, `d`) has no ids. */
export function parseB3Single(
  value: string | null | undefined,
): { traceId?: string; spanId?: string; sampled?: boolean; debug: boolean } | null {
  if (typeof value !== 'string') return null;
  const parts = value.trim().toLowerCase().split('-');
  if (parts.length === 1) {
    const s = parts[0]!;
    if (s === 'd') return { sampled: true, debug: true };
    if (s === '1' || s === '0') return { sampled: s === '1', debug: false };
    return null;
  }
  if (parts.length > 4) return null;
  const traceId = b3TraceId(parts[0]!);
  const spanId = b3SpanId(parts[1]);
  if (!traceId || !spanId) return null;
  let sampled: boolean | undefined;
  let debug = false;
  if (parts.length >= 3) {
    const s = parts[2]!;
    if (s === 'd') (sampled = true), (debug = true);
    else if (s === '1' || s === '0') sampled = s === '1';
    else return null;
  }
  if (parts.length === 4 && !b3SpanId(parts[3])) return null;
  return sampled === undefined ? { traceId, spanId, debug } : { traceId, spanId, sampled, debug };
}

/** Parses the `x-b3-*` headers; null when absent or invalid (no trace/span id pair). */
export function parseB3Multi(headers: HeaderBag): { traceId: string; spanId: string; sampled?: boolean; debug: boolean } | null {
  const t = headers.get('x-b3-traceid');
  if (t === null) return null;
  const traceId = b3TraceId(t);
  const spanId = b3SpanId(headers.get('x-b3-spanid'));
  if (!traceId || !spanId) return null;
  const parent = headers.get('x-b3-parentspanid');
  if (parent !== null && !b3SpanId(parent)) return null;
  const debug = headers.get('x-b3-flags')?.trim() === '1';
  const sampled = b3Sampled(headers.get('x-b3-sampled'));
  if (sampled === null) return null;
  if (debug) return { traceId, spanId, sampled: true, debug };
  return sampled === undefined ? { traceId, spanId, debug } : { traceId, spanId, sampled, debug };
}

/** The incoming trace, by meshgate's precedence (traceparent, then `b3`, then `x-b3-*`); null if none valid. */
export function extractTrace(headers: HeaderBag): IncomingTrace | null {
  const tp = parseTraceparent(headers.get('traceparent'));
  if (tp) {
    const ts = parseTracestate(headers.get('tracestate'));
    // A B3 debug flag on the same trace is kept.
    const b3 = parseB3Single(headers.get('b3')) ?? parseB3Multi(headers);
    const debug = !!b3?.debug && (b3.traceId === undefined || b3.traceId === tp.traceId);
    const base: IncomingTrace = { traceId: tp.traceId, spanId: tp.spanId, sampled: (tp.flags & 1) === 1 || debug, debug, source: 'traceparent' };
    return ts ? { ...base, tracestate: ts } : base;
  }
  const single = parseB3Single(headers.get('b3'));
  if (single?.traceId && single.spanId) {
    const base: IncomingTrace = { traceId: single.traceId, spanId: single.spanId, debug: single.debug, source: 'b3' };
    return single.sampled === undefined ? base : { ...base, sampled: single.sampled };
  }
  const multi = parseB3Multi(headers);
  if (multi) {
    const base: IncomingTrace = { traceId: multi.traceId, spanId: multi.spanId, debug: multi.debug, source: 'x-b3' };
    return multi.sampled === undefined ? base : { ...base, sampled: multi.sampled };
  }
  return null;
}

// Byte → two hex digits, built once: formatting ids with toString(16)/padStart costs more per request.
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hex8(rt: Runtime): string {
  const n = Math.floor(rt.random() * 0x1_0000_0000) >>> 0;
  return HEX_BYTE[n >>> 24]! + HEX_BYTE[(n >>> 16) & 0xff]! + HEX_BYTE[(n >>> 8) & 0xff]! + HEX_BYTE[n & 0xff]!;
}
/** A random non-zero 64-bit id as 16 hex digits. */
export function newSpanId(rt: Runtime): string {
  const id = hex8(rt) + hex8(rt);
  return id === ZERO16 ? '0000000000000001' : id;
}
/** A random non-zero 128-bit id as 32 hex digits. */
export function newTraceId(rt: Runtime): string {
  const id = hex8(rt) + hex8(rt) + hex8(rt) + hex8(rt);
  return id === ZERO32 ? ZERO16 + '0000000000000001' : id;
}

export interface TracingOptions {
  /** Percentage (0–100) of new traces sampled; default 1 (Istio's default). */
  samplingPercent?: number;
  /** B3 headers to send: `'auto'` (default) = in the forms that arrived; `'always'` = multi; `'never'`. */
  b3?: 'auto' | 'always' | 'never';
  /** `false`: the span is not sampled, whatever arrived (Envoy's setSampled(false) on a shadow's span). */
  sampled?: false;
}

function sample(rt: Runtime, percent: number | undefined): boolean {
  const p = percent ?? 1;
  if (!(p > 0)) return false;
  if (p >= 100) return true;
  return rt.random() * 100 < p;
}

/** This hop's context: the incoming trace continued with a new span, or a new trace. */
export function nextHop(incoming: IncomingTrace | null, rt: Runtime, opts: TracingOptions = {}): TraceContext {
  if (!incoming) {
    return { traceId: newTraceId(rt), spanId: newSpanId(rt), sampled: sample(rt, opts.samplingPercent), debug: false, started: true };
  }
  const sampled = incoming.debug || (incoming.sampled ?? sample(rt, opts.samplingPercent));
  const ctx: TraceContext = {
    traceId: incoming.traceId,
    spanId: newSpanId(rt),
    parentSpanId: incoming.spanId,
    sampled,
    debug: incoming.debug,
    started: false,
  };
  if (incoming.tracestate) ctx.tracestate = incoming.tracestate;
  return ctx;
}

/** A sampling decision sent without trace ids (B3 allows `b3: 0` or `x-b3-sampled: 0` alone). */
export function samplingOnly(headers: HeaderBag): { sampled: boolean; debug: boolean } | null {
  const single = parseB3Single(headers.get('b3'));
  if (single && single.traceId === undefined && single.sampled !== undefined) return { sampled: single.sampled, debug: single.debug };
  if (headers.get('x-b3-flags')?.trim() === '1') return { sampled: true, debug: true };
  const s = b3Sampled(headers.get('x-b3-sampled'));
  return typeof s === 'boolean' ? { sampled: s, debug: false } : null;
}

function b3Trace(id: string): string {
  return id.startsWith(ZERO16) ? id.slice(16) : id;
}

/**
 * Writes `ctx` onto `headers` in place: `traceparent` (+ `tracestate` when kept) always; B3 multi
 * and/or single per `b3` mode; stale or invalid tracing headers are removed.
 */
export function injectTrace<H extends HeaderBag>(headers: H, ctx: TraceContext, b3: { multi: boolean; single: boolean }): H {
  headers.set('traceparent', formatTraceparent(ctx));
  if (ctx.tracestate) headers.set('tracestate', ctx.tracestate);
  else headers.delete('tracestate');
  for (const h of B3_MULTI_HEADERS) headers.delete(h);
  headers.delete('b3');
  const traceId = b3Trace(ctx.traceId);
  if (b3.multi) {
    headers.set('x-b3-traceid', traceId);
    headers.set('x-b3-spanid', ctx.spanId);
    if (ctx.parentSpanId) headers.set('x-b3-parentspanid', ctx.parentSpanId);
    // Debug implies sampled; B3 says not to send both.
    if (ctx.debug) headers.set('x-b3-flags', '1');
    else headers.set('x-b3-sampled', ctx.sampled ? '1' : '0');
  }
  if (b3.single) {
    const state = ctx.debug ? 'd' : ctx.sampled ? '1' : '0';
    headers.set('b3', `${traceId}-${ctx.spanId}-${state}${ctx.parentSpanId ? `-${ctx.parentSpanId}` : ''}`);
  }
  return headers;
}

/**
 * One hop of propagation on the upstream request's `headers` (mutated): extract, continue or start
 * the trace with a new span id, and write every kept format consistently. Returns the context (for
 * logs and the response).
 */
export function propagateTrace(headers: HeaderBag, rt: Runtime, opts: TracingOptions = {}): TraceContext {
  const incoming = extractTrace(headers);
  const mode = opts.b3 ?? 'auto';
  const hadMulti = B3_MULTI_HEADERS.some((h) => headers.has(h));
  const hadSingle = headers.has('b3');
  let ctx: TraceContext;
  const hint = incoming ? null : samplingOnly(headers);
  if (hint) {
    // A bare sampling decision (`b3: 0|1|d`, `x-b3-sampled`/`x-b3-flags` without ids) is honoured for the new trace.
    ctx = { ...nextHop(null, rt, { ...opts, samplingPercent: hint.sampled ? 100 : 0 }), debug: hint.debug };
  } else {
    ctx = nextHop(incoming, rt, opts);
  }
  if (opts.sampled === false) ctx = { ...ctx, sampled: false, debug: false };
  injectTrace(headers, ctx, {
    multi: mode === 'always' || (mode === 'auto' && hadMulti),
    single: mode === 'auto' && hadSingle,
  });
  return ctx;
}
