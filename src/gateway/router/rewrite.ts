import { RE2JS } from 're2js';
import type { Route } from '../../xds/resources/route.ts';

// Envoy path rewrites: prefix_rewrite replaces the matched prefix (or the whole path for an
// exact `path` match); regex_rewrite replaces every match, `\1`-style groups (RE2).
export type PathRewrite = (path: string) => string;

export function compilePathRewrite(route: Route): PathRewrite | undefined {
  const action = route.route;
  if (!action) return undefined;
  if (action.prefix_rewrite !== undefined) {
    const replacement = action.prefix_rewrite;
    const m = route.match;
    if (m.path !== undefined) return () => replacement;
    const prefix = m.prefix ?? '';
    const ci = m.case_sensitive === false;
    return (path) => (ci ? path.toLowerCase().startsWith(prefix.toLowerCase()) : path.startsWith(prefix)) ? replacement + path.slice(prefix.length) : path;
  }
  if (action.regex_rewrite) {
    const re = RE2JS.compile(action.regex_rewrite.pattern.regex);
    // Envoy substitutions use \1..\9; re2js replaceAll uses $1.
    const sub = action.regex_rewrite.substitution.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
    return (path) => re.matcher(path).replaceAll(sub);
  }
  return undefined;
}
