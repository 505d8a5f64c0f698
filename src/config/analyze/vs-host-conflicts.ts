import type { HTTPMatchRequest, HTTPRoute, VirtualServiceSpec } from '../kinds/networking/virtual-service.ts';
import { type Analyzer, byCreation, MESH, quote, type Typed, vsGateways, vsHosts } from './context.ts';

// Several VirtualServices claiming one host.
// - On the mesh gateway Istio keeps one of them and the choice is undefined: IST0109
//   ConflictingMeshGatewayVirtualServiceHosts (error; analyzers/virtualservice/conflictingmeshgatewayhosts.go).
// - On a Gateway Istio merges them: the routes of the older VirtualService come first (creation
//   time, then namespace/name). That is reported as info (MG0001); when an earlier one has a
//   catch-all HTTP route, the later one's routes can never match (warning, MG0002).

/** A match that every request satisfies (no conditions beyond `name`, or only `uri.prefix: /`). */
function matchesEverything(m: HTTPMatchRequest): boolean {
  const { name: _n, statPrefix: _s, ignoreUriCase: _i, uri, ...rest } = m;
  if (Object.values(rest).some((v) => v !== undefined)) return false;
  return uri === undefined || (Object.keys(uri).length === 1 && 'prefix' in uri && uri.prefix === '/');
}

/** Index of the first HTTP route that matches every request, if any. */
export function catchAllRoute(http: readonly HTTPRoute[] | undefined): number {
  return (http ?? []).findIndex((r) => !r.match?.length || r.match.some(matchesEverything));
}

export const vsHostConflicts: Analyzer = {
  name: 'virtualservice.hostconflicts',
  analyze(ctx) {
    // gateway → host → [VirtualService, index of the host in spec.hosts]
    const claims = new Map<string, Map<string, [Typed<VirtualServiceSpec>, number][]>>();
    for (const vs of ctx.virtualServices) {
      for (const gw of new Set(vsGateways(vs))) {
        const byHost = claims.get(gw) ?? new Map<string, [Typed<VirtualServiceSpec>, number][]>();
        claims.set(gw, byHost);
        for (const [i, h] of vsHosts(vs).entries()) {
          const list = byHost.get(h) ?? [];
          if (!list.some(([v]) => v === vs)) list.push([vs, i]);
          byHost.set(h, list);
        }
      }
    }
    for (const [gw, byHost] of claims) {
      for (const [host, list] of byHost) {
        if (list.length < 2) continue;
        const sorted = [...list].sort(([a], [b]) => byCreation(a, b));
        if (gw === MESH) {
          const names = sorted.map(([v]) => v.key).join(',');
          for (const [vs, i] of sorted) {
            ctx.report(vs, {
              severity: 'error',
              code: 'IST0109',
              path: ['spec', 'hosts', i],
              message: `The VirtualServices ${names} associated with mesh gateway define the same host ${host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource`,
            });
          }
          continue;
        }
        for (const [k, [vs, i]] of sorted.entries()) {
          if (k === 0) continue;
          const earlier = sorted.slice(0, k).map(([v]) => v);
          const shadowing = earlier.find((v) => catchAllRoute(v.spec.http) >= 0);
          if (shadowing && vs.spec.http?.length) {
            const own = catchAllRoute(vs.spec.http);
            ctx.report(vs, {
              severity: 'warning',
              code: 'MG0002',
              path: ['spec', 'http', own >= 0 ? own : 0],
              message: `host ${host} on gateway ${gw} is also routed by VirtualService ${shadowing.key}, which is older and so merged first; its catch-all route http[${catchAllRoute(shadowing.spec.http)}] matches every request, so the HTTP routes of this VirtualService for ${host} never match. Merge the two VirtualServices, or give the earlier catch-all route a match`,
            });
          } else {
            ctx.report(vs, {
              severity: 'info',
              code: 'MG0001',
              path: ['spec', 'hosts', i],
              message: `host ${host} on gateway ${gw} is also routed by VirtualService ${earlier.map((v) => v.key).join(', ')}; the routes are merged, oldest VirtualService first (creation time, then namespace/name), so ${quote(earlier[0]!.key)}'s routes are tried before these`,
            });
          }
        }
      }
    }
  },
};
