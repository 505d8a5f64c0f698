// Route matching for the edge data plane: compile a RouteConfiguration once per snapshot, then
// select a virtual host and a route per request.
export type { MatchInput } from './match-input.ts';
export { compileRouteConfiguration, CompiledRouteTable, CompiledVirtualHost, CompiledRoute, stripPort } from './route-table.ts';
export { regexLiteralPrefix, splitRegexAtLiteral } from './regex-prefix.ts';
export type { VirtualHostIndexStats } from './route-table.ts';
export { CompiledHeaderMatcher, CompiledQueryMatcher, CompiledMetadataMatcher } from './matchers.ts';
export { CompiledStringMatcher, clearRegexCache } from './string-matcher.ts';
