// The literal start of a route's RE2 regex, for the route index and for compiling less.
//
// A regex route is filed in the prefix index under the literal every full match must start with.
// When the regex is that literal followed by a part that cannot see behind it (`L R`, where R has
// no `^`, `\A`, `\b` or `\B`), a full match of the path is exactly: the path starts with L and R
// fully matches the rest. Compiling only R lets routes that differ only in their literal
// (`/api/svc-1/items/[0-9]+`, `/api/svc-2/items/[0-9]+`, …) share one cached RE2 program, which is
// most of a cold compile of a large route table (bench/route-match).

/**
 * Leading literal of an RE2 pattern that every full match must start with ('' when unsure): stop
 * at the first metacharacter, drop a char made optional by `*`/`?`/`{`, give up on a `|` outside
 * every group (`/a|/b`); one inside a group (`/api/(v1|v2)/.*`) comes after the literal.
 */
export function regexLiteralPrefix(p: string): string {
  if (p.includes('|') && topLevelAlternation(p)) return '';
  let i = p.startsWith('^') ? 1 : 0;
  const start = i;
  while (i < p.length && !'\\.+*?()[]{}|^$'.includes(p[i]!)) i++;
  let end = i;
  if (i < p.length && '*?{'.includes(p[i]!)) end--;
  return end > start ? p.slice(start, end) : '';
}

export interface SplitRegex {
  /** What the path must start with (plain characters, matched case-sensitively). */
  literal: string;
  /** The RE2 pattern the rest of the path must fully match. */
  rest: string;
}

/** `pattern` as a literal and the rest, when matching them apart is exactly a full match of the whole. */
export function splitRegexAtLiteral(pattern: string): SplitRegex | undefined {
  const start = pattern.startsWith('^') ? 1 : 0;
  let literal = regexLiteralPrefix(pattern);
  // `ab+`: the literal proves `ab`, but the `b` belongs to its repetition.
  const next = pattern[start + literal.length];
  if (next !== undefined && '+*?{'.includes(next)) literal = literal.slice(0, -1);
  // ASCII only, so no surrogate pair is cut in two.
  if (literal === '' || !/^[\x20-\x7e]*$/.test(literal)) return undefined;
  const rest = pattern.slice(start + literal.length);
  return looksBehind(rest) ? undefined : { literal, rest };
}

/**
 * True when `re` may depend on the text before it: a `^` anchor, `\A`, `\b`, `\B` (and, to stay
 * simple, `\Q…\E` quoting). Character classes are skipped: `[^/]` negates, it does not anchor.
 * Errs towards true; a pattern it lets through is compiled and validated on its own.
 */
function looksBehind(re: string): boolean {
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const n = re[i + 1];
      if (n === 'A' || n === 'b' || n === 'B' || n === 'Q') return true;
      i++;
    } else if (c === '^') {
      return true;
    } else if (c === '[') {
      i = classEnd(re, i);
      if (i < 0) return true; // unterminated class: let the whole pattern's compile report it
    }
  }
  return false;
}

/**
 * True when `re` has a `|` at depth 0 (outside groups and character classes), or may have one:
 * unbalanced parentheses and `\Q…\E` quoting count as yes.
 */
function topLevelAlternation(re: string): boolean {
  let depth = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      if (re[i + 1] === 'Q') return true;
      i++;
    } else if (c === '[') {
      i = classEnd(re, i);
      if (i < 0) return true;
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) return true;
    } else if (c === '|' && depth === 0) return true;
  }
  return depth !== 0;
}

/** Index of the `]` closing the character class opened at `open`, or -1 when unterminated. */
function classEnd(re: string, open: number): number {
  let i = open + 1;
  if (re[i] === '^') i++; // `[^…]` negates, it does not anchor
  if (re[i] === ']') i++; // a leading `]` is a literal member
  for (; i < re.length && re[i] !== ']'; i++) {
    if (re[i] === '\\') i++;
    else if (re[i] === '[' && re[i + 1] === ':') {
      const end = re.indexOf(':]', i + 2);
      if (end < 0) return -1;
      i = end + 1;
    }
  }
  return i < re.length ? i : -1;
}
