import type { HeaderMatcher, MetadataMatcher, QueryParameterMatcher } from '../../xds/resources/route.ts';
import { TOKEN } from '../http/header-map.ts';
import { firstQueryValue } from '../http/query.ts';
import type { MatchInput } from './match-input.ts';
import { asciiLower, CompiledStringMatcher, within } from './string-matcher.ts';

// Per-route conditions besides the path: headers, query parameters, dynamic metadata. Each is
// compiled once per snapshot; `matches` does no parsing beyond reading the request.

const enum Source {
  Header,
  Method,
  Scheme,
  Authority,
  Path,
  /** An unknown pseudo-header: always missing. */
  Missing,
}

/** envoy.config.route.v3.HeaderMatcher (Envoy HeaderUtility::matchHeaders semantics). */
export class CompiledHeaderMatcher {
  private constructor(
    readonly name: string,
    private readonly source: Source,
    private readonly sm: CompiledStringMatcher | undefined,
    /** For a presence matcher: the `present_match` value (Envoy's default with no specifier is `true`). */
    private readonly present: boolean,
    private readonly invert: boolean,
    private readonly missingAsEmpty: boolean,
  ) {}

  static compile(h: HeaderMatcher): CompiledHeaderMatcher {
    const name = asciiLower(h.name);
    if (name === '') throw new Error('header matcher has an empty name');
    if (!name.startsWith(':') && !TOKEN.test(name)) throw new Error(`header matcher ${JSON.stringify(h.name)}: not a valid header name`);
    const w = () => `header matcher ${JSON.stringify(h.name)}`;
    if (h.string_match !== undefined && h.present_match !== undefined) throw new Error(`${w()}: set only one of string_match and present_match`);
    const source =
      name === ':method' ? Source.Method
      : name === ':scheme' ? Source.Scheme
      : name === ':authority' ? Source.Authority
      : name === ':path' ? Source.Path
      : name.startsWith(':') ? Source.Missing
      : Source.Header;
    let sm: CompiledStringMatcher | undefined;
    try {
      if (h.string_match !== undefined) sm = CompiledStringMatcher.compile(h.string_match);
    } catch (e) {
      throw within(w(), e);
    }
    return new CompiledHeaderMatcher(name, source, sm, h.present_match ?? true, h.invert_match === true, h.treat_missing_header_as_empty === true);
  }

  private value(input: MatchInput): string | null {
    switch (this.source) {
      case Source.Header: {
        const raw = input.rawHeaders;
        if (raw === undefined) return input.headers.get(this.name);
        const vs = raw.get(this.name);
        if (vs === undefined || vs.length === 0) return null;
        return vs.length === 1 ? vs[0]! : vs.join(',');
      }
      case Source.Method:
        return input.method;
      case Source.Scheme:
        return input.scheme;
      case Source.Authority:
        return input.authority;
      case Source.Path:
        // Envoy's :path carries the query string.
        return input.query === '' ? input.path : `${input.path}?${input.query}`;
      case Source.Missing:
        return null;
    }
  }

  matches(input: MatchInput): boolean {
    const v = this.value(input);
    if (v === null && !this.missingAsEmpty) {
      // A missing header matches only a presence matcher asking for absence (or, inverted, presence).
      return this.sm === undefined && this.present === this.invert;
    }
    const m = this.sm !== undefined ? this.sm.match(v ?? '') : this.present;
    return m !== this.invert;
  }
}

/** envoy.config.route.v3.QueryParameterMatcher: first value wins; no string_match ⇒ presence. */
export class CompiledQueryMatcher {
  private constructor(
    readonly name: string,
    private readonly sm: CompiledStringMatcher | undefined,
  ) {}

  static compile(q: QueryParameterMatcher): CompiledQueryMatcher {
    if (q.name === '') throw new Error('query parameter matcher has an empty name');
    const w = () => `query parameter matcher ${JSON.stringify(q.name)}`;
    if (q.string_match !== undefined && q.present_match !== undefined) throw new Error(`${w()}: set only one of string_match and present_match`);
    try {
      return new CompiledQueryMatcher(q.name, q.string_match !== undefined ? CompiledStringMatcher.compile(q.string_match) : undefined);
    } catch (e) {
      throw within(w(), e);
    }
  }

  matches(input: MatchInput): boolean {
    // As sent, not percent-decoded: Envoy's route matching uses parseQueryString.
    const v = firstQueryValue(input.query, this.name, false);
    if (v === undefined) return false;
    return this.sm === undefined || this.sm.match(v);
  }
}

/** envoy.type.matcher.v3.MetadataMatcher over `input.metadata[filter]` walked by `path` keys. */
export class CompiledMetadataMatcher {
  private constructor(
    private readonly filter: string,
    private readonly keys: readonly string[],
    private readonly sm: CompiledStringMatcher | undefined,
    private readonly invert: boolean,
  ) {}

  static compile(m: MetadataMatcher): CompiledMetadataMatcher {
    const w = () => `dynamic metadata matcher ${JSON.stringify([m.filter, ...m.path.map((p) => p.key)].join('.'))}`;
    if (m.filter === '') throw new Error('dynamic metadata matcher has an empty filter');
    if (m.path.length === 0) throw new Error(`${w()}: path must name at least one key`);
    const { string_match, present_match } = m.value;
    if ((string_match === undefined) === (present_match === undefined)) throw new Error(`${w()}: value must set exactly one of string_match and present_match`);
    if (present_match === false) {
      // Envoy's PresentMatcher(false) never matches; keep it as a matcher that never matches.
      return new CompiledMetadataMatcher(m.filter, [], undefined, m.invert === true).never();
    }
    let sm: CompiledStringMatcher | undefined;
    try {
      if (string_match !== undefined) sm = CompiledStringMatcher.compile(string_match);
    } catch (e) {
      throw within(w(), e);
    }
    return new CompiledMetadataMatcher(m.filter, m.path.map((p) => p.key), sm, m.invert === true);
  }

  private neverMatches = false;
  private never(): this {
    this.neverMatches = true;
    return this;
  }

  matches(input: MatchInput): boolean {
    if (this.neverMatches) return this.invert;
    let v: unknown = input.metadata?.[this.filter];
    for (let i = 0; i < this.keys.length; i++) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return this.invert;
      v = (v as Record<string, unknown>)[this.keys[i]!];
    }
    let m: boolean;
    if (v === undefined || v === null) m = false;
    else if (this.sm === undefined) m = true;
    else if (typeof v === 'string') m = this.sm.match(v);
    else if (Array.isArray(v)) {
      m = false;
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if (typeof e === 'string' && this.sm.match(e)) {
          m = true;
          break;
        }
      }
    } else m = false;
    return m !== this.invert;
  }
}
