// Query strings, read one way for route matching (Envoy's query_parameters), hash policies and
// JWT extraction (from_params): split on `&`, then on the first `=`; `+` stays `+` (form
// encoding is not RFC 3986's https://www.rfc-editor.org/rfc/rfc3986#section-3.4); the first
// value of a name wins. JWT extraction percent-decodes names and values (Envoy
// parseAndDecodeQueryString); route matching and hash policies do not (Envoy parseQueryString).

function pctDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    // Invalid escapes or non-UTF-8: decode what can be decoded byte-wise, keep the rest.
    return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

/**
 * First value of query parameter `name` in `query` (no leading `?`), percent-decoded unless
 * `decode` is false (then names and values are compared and returned as sent); `?a` and `?a=`
 * both give `""`; `undefined` when absent. Scans in place: no split, no map.
 */
export function firstQueryValue(query: string, name: string, decode = true): string | undefined {
  const n = query.length;
  let s = 0;
  while (s <= n) {
    let e = query.indexOf('&', s);
    if (e < 0) e = n;
    if (e > s) {
      let eq = query.indexOf('=', s);
      if (eq < 0 || eq > e) eq = e;
      const pct = decode ? query.indexOf('%', s) : -1;
      const hit = pct >= 0 && pct < eq ? pctDecode(query.slice(s, eq)) === name : eq - s === name.length && query.startsWith(name, s);
      if (hit) return eq === e ? '' : decode ? pctDecode(query.slice(eq + 1, e)) : query.slice(eq + 1, e);
    }
    s = e + 1;
  }
  return undefined;
}

/** `query` without every `name=…` pair (name compared percent-decoded), the rest kept in order. */
export function removeQueryParam(query: string, name: string): string {
  return query
    .split('&')
    .filter((pair) => {
      if (!pair) return false;
      const eq = pair.indexOf('=');
      return pctDecode(eq < 0 ? pair : pair.slice(0, eq)) !== name;
    })
    .join('&');
}
