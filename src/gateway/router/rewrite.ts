import type { Route } from '../../xds/resources/route.ts';
import { compileRegex } from '../routing/string-matcher.ts';

// Envoy path rewrites: prefix_rewrite replaces the matched prefix, or the whole path when the
// route matched all of it (an exact `path` or a `safe_regex`: Istio's HTTPRewrite.uri "if the
// original URI was matched based on a regex, the entire URI is replaced"); regex_rewrite replaces
// every match, `\1`-style groups (RE2).
export type PathRewrite = (path: string) => string;

export function compilePathRewrite(route: Route): PathRewrite | undefined {
  const action = route.route;
  if (!action) return undefined;
  if (action.prefix_rewrite !== undefined) {
    const replacement = action.prefix_rewrite;
    const m = route.match;
    if (m.path !== undefined || m.safe_regex !== undefined) return () => replacement;
    const prefix = m.prefix ?? '';
    if (m.case_sensitive !== false) return (path) => (path.startsWith(prefix) ? replacement + path.slice(prefix.length) : path);
    const lower = prefix.toLowerCase();
    return (path) => (path.slice(0, lower.length).toLowerCase() === lower ? replacement + path.slice(prefix.length) : path);
  }
  if (action.regex_rewrite) {
    const re = compileRegex(action.regex_rewrite.pattern.regex);
    // Envoy substitutions use \1..\9; re2js replaceAll uses $1.
    const sub = action.regex_rewrite.substitution.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
    return (path) => re.matcher(path).replaceAll(sub);
  }
  return undefined;
}
