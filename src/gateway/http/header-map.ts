// The request headers a gateway works on, as a plain JS map. Every call into the runtime's
// `Headers` crosses from JS into native code, and one request used to make ~70 of them (request
// id, hop-by-hop, forwarding, tracing, filters, route header operations). A HeaderMap reads the
// incoming headers once, takes every change in JS, and becomes one header list for the upstream
// `fetch`. It keeps the Fetch standard's semantics that matter here: names are case-insensitive
// (stored lower-case), values are trimmed of HTTP whitespace, `append` joins with ", " as
// `Headers.get` does, and an invalid name or value throws a TypeError, as `Headers` would.
// https://fetch.spec.whatwg.org/#concept-header-list

/** What the pipeline needs of a header collection; `Headers` and {@link HeaderMap} both fit. */
export interface HeaderBag {
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  keys(): Iterable<string>;
  forEach(fn: (value: string, name: string) => void): void;
}

// RFC 9110 §5.1 field-name = token; §5.5 field values may not carry NUL, CR or LF.
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;
// HTTP whitespace (Fetch: "normalize" a header value strips leading and trailing HTTP whitespace).
const EDGE_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function isEdgeWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function normalizeValue(name: string, value: string): string {
  const v = value.length > 0 && (isEdgeWs(value.charCodeAt(0)) || isEdgeWs(value.charCodeAt(value.length - 1))) ? value.replace(EDGE_WS, '') : value;
  if (BAD_VALUE.test(v)) throw new TypeError(`invalid value for header ${JSON.stringify(name)}`);
  return v;
}

// Names already seen to be valid and lower-case (the pipeline's own and compiled config's): a Set
// lookup instead of a scan per call. Bounded, so request-controlled names cannot grow it forever.
const KNOWN_NAMES = new Set<string>();
const KNOWN_NAMES_MAX = 4096;

/** The lower-case form of a valid header name; throws on an invalid one. */
function lower(name: string): string {
  if (KNOWN_NAMES.has(name)) return name;
  if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  const n = name.toLowerCase();
  if (n === name && KNOWN_NAMES.size < KNOWN_NAMES_MAX) KNOWN_NAMES.add(n);
  return n;
}

export class HeaderMap implements HeaderBag {
  private readonly m: Map<string, string>;
  /** The runtime `Headers` this map was read from, and the names changed since. */
  private readonly base: Headers | undefined;
  private readonly changed: Set<string>;
  /** Names appended to: their separate values, so the runtime gets them exactly (an empty value survives). */
  private readonly parts: Map<string, string[]>;

  private constructor(m: Map<string, string>, base: Headers | undefined, changed: Set<string>, parts: Map<string, string[]>) {
    this.m = m;
    this.base = base;
    this.changed = changed;
    this.parts = parts;
  }

  /** Reads `headers` once (their names come lower-case and their values combined). */
  static from(headers: Headers | Iterable<readonly [string, string]>): HeaderMap {
    const m = new Map<string, string>();
    if (headers instanceof Headers) {
      // One native call back into JS per header; `Headers` already gives names lower-case.
      headers.forEach((value, name) => m.set(name, value));
      return new HeaderMap(m, headers, new Set(), new Map());
    }
    for (const [name, value] of headers) m.set(name.toLowerCase(), value);
    return new HeaderMap(m, undefined, new Set(), new Map());
  }

  /** An independent copy (e.g. for a mirror). */
  clone(): HeaderMap {
    // forEach copies a small Map about twice as fast as `new Map(map)`; the per-request clone is
    // usually of a map with nothing changed yet.
    const m = new Map<string, string>();
    this.m.forEach((v, k) => m.set(k, v));
    const parts = new Map<string, string[]>();
    if (this.parts.size) this.parts.forEach((p, n) => parts.set(n, [...p]));
    return new HeaderMap(m, this.base, this.changed.size ? new Set(this.changed) : new Set(), parts);
  }

  get(name: string): string | null {
    return this.m.get(lower(name)) ?? null;
  }

  has(name: string): boolean {
    return this.m.has(lower(name));
  }

  set(name: string, value: string): void {
    const n = lower(name);
    this.m.set(n, normalizeValue(n, value));
    this.parts.delete(n);
    this.changed.add(n);
  }

  append(name: string, value: string): void {
    const n = lower(name);
    const v = normalizeValue(n, value);
    const prev = this.m.get(n);
    if (prev === undefined) {
      this.m.set(n, v);
    } else {
      this.m.set(n, `${prev}, ${v}`);
      const p = this.parts.get(n);
      if (p) p.push(v);
      else this.parts.set(n, [prev, v]);
    }
    this.changed.add(n);
  }

  delete(name: string): void {
    const n = lower(name);
    this.parts.delete(n);
    if (this.m.delete(n)) this.changed.add(n);
  }

  keys(): IterableIterator<string> {
    return this.m.keys();
  }

  forEach(fn: (value: string, name: string) => void): void {
    this.m.forEach(fn);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.m.entries();
  }

  get size(): number {
    return this.m.size;
  }

  /**
   * Runtime `Headers` for `fetch`: a native copy of the headers this map was read from with only
   * the changed names written (measured in workerd: far cheaper than building `Headers` from a
   * list of every header), or the original object when nothing changed.
   */
  toHeaders(): Headers {
    if (this.base && this.changed.size === 0) return this.base;
    const h = new Headers(this.base);
    for (const n of this.base ? this.changed : this.m.keys()) {
      const v = this.m.get(n);
      const p = this.parts.get(n);
      if (v === undefined) h.delete(n);
      else if (p) {
        h.delete(n);
        for (const part of p) h.append(n, part);
      } else h.set(n, v);
    }
    return h;
  }
}

/** `fetch`'s headers for a bag: a HeaderMap's {@link HeaderMap.toHeaders}, or the `Headers` object itself. */
export const headersInit = (h: HeaderBag): Headers => (h instanceof HeaderMap ? h.toHeaders() : (h as Headers));

/** An independent copy of a bag (a mirror changes its own). */
export const copyHeaders = (h: HeaderBag): HeaderBag => (h instanceof HeaderMap ? h.clone() : new Headers(h as Headers));
