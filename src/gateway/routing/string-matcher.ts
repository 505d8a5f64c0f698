import { RE2JS } from 're2js';
import type { StringMatcher } from '../../xds/resources/common.ts';

// envoy.type.matcher.v3.StringMatcher compiled once per snapshot. `ignore_case` is ASCII case
// folding (absl::EqualsIgnoreCase) and has no effect on `safe_regex`; regexes are RE2 full matches.

/** ASCII lower-casing of one UTF-16 code unit (A–Z only, as Envoy/absl do). */
export const foldCode = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** ASCII lower-casing of a string (non-ASCII characters untouched, so lengths never change). */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}

/** Does `s` hold `lowerNeedle` at `pos`, comparing ASCII case-insensitively? */
export function foldedAt(s: string, pos: number, lowerNeedle: string): boolean {
  const n = lowerNeedle.length;
  if (pos < 0 || pos + n > s.length) return false;
  for (let i = 0; i < n; i++) if (foldCode(s.charCodeAt(pos + i)) !== lowerNeedle.charCodeAt(i)) return false;
  return true;
}

/** Wrap an error with the place it came from (messages are built only when something fails). */
export function within(where: string, e: unknown): Error {
  return new Error(`${where}: ${(e as Error).message}`, { cause: e });
}

/** Compile an RE2 pattern (cached); throws `invalid RE2 regex …` for the NACK message. */
export function compileRegex(pattern: string): RE2JS {
  const hit = regexCache.get(pattern);
  if (hit !== undefined) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(`invalid RE2 regex ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
  // Compiled RE2 programs are immutable and shareable: snapshots repeat the same patterns (per
  // route `:method` regexes, unchanged routes across versions), so keep a bounded cache.
  if (regexCache.size >= REGEX_CACHE_MAX) regexCache.clear();
  regexCache.set(pattern, re);
  return re;
}
const REGEX_CACHE_MAX = 20_000;
/** Forget every cached RE2 program (benchmarks measuring a cold compile). */
export function clearRegexCache(): void {
  regexCache.clear();
}
const regexCache = new Map<string, RE2JS>();

const enum Kind {
  Exact,
  Prefix,
  Suffix,
  Contains,
  Regex,
}

export class CompiledStringMatcher {
  private constructor(
    private readonly kind: Kind,
    /** The literal (lower-cased when `ignoreCase`). */
    private readonly text: string,
    private readonly ignoreCase: boolean,
    private readonly re: RE2JS | undefined,
  ) {}

  static compile(m: StringMatcher): CompiledStringMatcher {
    const n = +(m.exact !== undefined) + +(m.prefix !== undefined) + +(m.suffix !== undefined) + +(m.contains !== undefined) + +(m.safe_regex !== undefined);
    if (n !== 1) {
      const set = (['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const).filter((k) => m[k] !== undefined);
      throw new Error(`string matcher must set exactly one of exact, prefix, suffix, contains, safe_regex (found ${set.length ? set.join(', ') : 'none'})`);
    }
    const ic = m.ignore_case === true;
    const lit = (s: string) => (ic ? asciiLower(s) : s);
    if (m.exact !== undefined) return new CompiledStringMatcher(Kind.Exact, lit(m.exact), ic, undefined);
    if (m.prefix !== undefined) return new CompiledStringMatcher(Kind.Prefix, lit(m.prefix), ic, undefined);
    if (m.suffix !== undefined) return new CompiledStringMatcher(Kind.Suffix, lit(m.suffix), ic, undefined);
    if (m.contains !== undefined) return new CompiledStringMatcher(Kind.Contains, lit(m.contains), ic, undefined);
    const re = compileRegex(m.safe_regex!.regex);
    return new CompiledStringMatcher(Kind.Regex, '', false, re);
  }

  match(v: string): boolean {
    const t = this.text;
    switch (this.kind) {
      case Kind.Exact:
        return this.ignoreCase ? v.length === t.length && foldedAt(v, 0, t) : v === t;
      case Kind.Prefix:
        return this.ignoreCase ? foldedAt(v, 0, t) : v.startsWith(t);
      case Kind.Suffix:
        return this.ignoreCase ? foldedAt(v, v.length - t.length, t) : v.endsWith(t);
      case Kind.Contains:
        if (!this.ignoreCase) return v.includes(t);
        for (let i = 0, last = v.length - t.length; i <= last; i++) if (foldedAt(v, i, t)) return true;
        return false;
      case Kind.Regex:
        return this.re!.matches(v);
    }
  }
}
