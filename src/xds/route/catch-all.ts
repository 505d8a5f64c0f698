import type { Route } from '../resources/route.ts';

/** Istio IsCatchAllRoute: prefix `/` (or regex `.*`) with no header, query or metadata matchers. */
export function isCatchAll(r: Route): boolean {
  const m = r.match;
  const anyPath = m.prefix === '/' || m.safe_regex?.regex === '.*';
  return anyPath && !m.headers?.length && !m.query_parameters?.length && !m.dynamic_metadata?.length;
}

/** Istio SortVHostRoutes: catch-all routes move to the end, keeping their relative order. */
export function sortCatchAllLast(routes: Route[]): Route[] {
  return [...routes.filter((r) => !isCatchAll(r)), ...routes.filter(isCatchAll)];
}
