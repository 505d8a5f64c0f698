import type { Route } from '../resources/route.ts';
import type { ClusterRef } from '../cluster-name.ts';
import type { PushContext, VirtualService } from '../push-context.ts';

// TODO(route helper): HTTPRoute → Envoy routes (Istio pilot/pkg/networking/core/route/route.go).

export interface RouteTranslation {
  push: PushContext;
  /** Every cluster a route names (destinations and mirrors), collected while translating. */
  clusters: Map<string, ClusterRef>;
  warnings: string[];
}

export interface RouteTarget {
  vs: VirtualService;
  /** The listener (gateway server) port the routes are generated for. */
  port: number;
  /** `ns/name` of the gateways this virtual host is generated for (per-match `gateways` filter). */
  gateways: ReadonlySet<string>;
}

export function translateHttpRoutes(_tx: RouteTranslation, _target: RouteTarget): Route[] {
  return [];
}
