// One cookie's value from a `Cookie` request header (RFC 6265 §4.2.1
// https://www.rfc-editor.org/rfc/rfc6265#section-4.2.1), as Envoy's Http::Utility::parseCookieValue
// reads it for hash policies and jwt_authn from_cookies: pairs split on `;`, names trimmed and
// compared exactly, the first pair with the name wins, a value in double quotes loses the quotes.

export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header || !name) return undefined;
  let s = 0;
  const n = header.length;
  while (s < n) {
    let e = header.indexOf(';', s);
    if (e < 0) e = n;
    const eq = header.indexOf('=', s);
    if (eq > s && eq < e && header.slice(s, eq).trim() === name) {
      const v = header.slice(eq + 1, e).trim();
      return v.length >= 2 && v.charCodeAt(0) === 0x22 && v.charCodeAt(v.length - 1) === 0x22 ? v.slice(1, -1) : v;
    }
    s = e + 1;
  }
  return undefined;
}
