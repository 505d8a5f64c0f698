// Envoy's URI template path matcher as Istio uses it for AuthorizationPolicy paths
// (reference/istio-semantics.md §4.2; envoy.extensions.path.match.uri_template): `{*}` is exactly
// one non-empty segment, `{**}` any run of characters including `/` (zero or more segments), every
// other segment literal. `/allow/admin/{**}` matches `/allow/admin/` and `/allow/admin/x/y`, not
// `/allow/admin`; `/store/{**}/cart` matches `/store//cart`, not `/store/cart`. The characters are
// Envoy's (uri_template_internal.cc kLiteral: RFC 3986 unreserved, `%`, the sub-delims but `*`,
// `:`, `@` and `=`), so `/api/{*}` does not match `/api/a*b` or `/api/a|b`.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/path/match/uri_template/v3/uri_template_match.proto

const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`);
const LITERAL = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";

export function compileUriTemplate(template: string): (path: string) => boolean {
  if (!template.startsWith('/')) throw new Error(`invalid path template ${JSON.stringify(template)}: must start with "/"`);
  const parts = template.slice(1).split('/').map((seg) => {
    if (seg === '{*}') return `[${LITERAL}]+`;
    if (seg === '{**}') return `[${LITERAL}/]*`;
    if (/[{}*]/.test(seg)) throw new Error(`invalid path template ${JSON.stringify(template)}: "${seg}" is not a whole-segment operator`);
    return escape(seg);
  });
  const re = new RegExp(`^/${parts.join('/')}$`, 's');
  return (path) => re.test(path);
}
