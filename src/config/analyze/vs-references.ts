import type { PathSegment } from '../issues.ts';
import { type Analyzer, MESH, normalizeGatewayRef, quote, vsGateways } from './context.ts';

// IST0101 ReferencedResourceNotFound for a VirtualService's references to other resources: the
// Gateways it binds to (top level and per match) and the delegate VirtualServices its routes
// hand over to (istio/istio pkg/config/analysis/analyzers/virtualservice/gateways.go).
// A missing Gateway means the routes are served nowhere; a missing delegate means 404s.
// MG0011 (warning): a match names a gateway the VirtualService's top-level `gateways` do not: the
// VirtualService is never bound there, so that match never applies (Istio getGatewayNames).

export const vsReferences: Analyzer = {
  name: 'virtualservice.references',
  analyze(ctx) {
    const gateways = new Set(ctx.gateways.map((g) => g.key));
    const vsByKey = new Map(ctx.virtualServices.map((v) => [v.key, v]));
    for (const vs of ctx.virtualServices) {
      const check = (ref: string, path: PathSegment[]) => {
        if (ref === MESH) return;
        const key = normalizeGatewayRef(ref, vs.namespace);
        if (gateways.has(key)) return;
        const name = key.slice(key.indexOf('/') + 1);
        const elsewhere = ctx.gateways.filter((g) => g.name === name).map((g) => g.key);
        const hint = elsewhere.length
          ? `; a Gateway of that name exists in ${elsewhere.map(quote).join(', ')}: write the reference as ${quote(elsewhere[0]!)}`
          : `; create Gateway ${key} or fix the reference (a bare name means a Gateway in the VirtualService's namespace ${vs.namespace})`;
        ctx.report(vs, { severity: 'error', code: 'IST0101', path, message: `Referenced gateway not found: ${quote(ref)}${hint}; until then these routes are served by no gateway` });
      };
      for (const [i, g] of (vs.spec.gateways ?? []).entries()) check(g, ['spec', 'gateways', i]);
      const bound = vsGateways(vs);
      for (const kind of ['http', 'tls', 'tcp'] as const) {
        for (const [i, r] of (vs.spec[kind] ?? []).entries()) {
          for (const [j, m] of (r.match ?? []).entries()) {
            for (const [k, g] of (m.gateways ?? []).entries()) {
              const path = ['spec', kind, i, 'match', j, 'gateways', k];
              check(g, path);
              const key = normalizeGatewayRef(g, vs.namespace);
              // A delegate (no hosts) is bound through its root, whose gateways its matches are merged with.
              if (!vs.spec.hosts?.length || bound.includes(key)) continue;
              ctx.report(vs, {
                severity: 'warning',
                code: 'MG0011',
                path,
                message: `gateway ${quote(g)} is not in this VirtualService's gateways [${bound.map(quote).join(', ')}]: a VirtualService is bound to a gateway by its top-level gateways only (as in Istio), so this match never applies. Add ${quote(key)} to spec.gateways`,
              });
            }
          }
        }
      }
      for (const [i, r] of (vs.spec.http ?? []).entries()) {
        if (!r.delegate) continue;
        const key = `${r.delegate.namespace || vs.namespace}/${r.delegate.name ?? ''}`;
        const target = vsByKey.get(key);
        const path = ['spec', 'http', i, 'delegate'];
        if (!target) {
          ctx.report(vs, { severity: 'error', code: 'IST0101', path, message: `Referenced virtualservice not found: ${quote(key)}; requests this route matches get 404 until a delegate VirtualService ${key} (with no hosts) exists` });
        } else if (target.spec.hosts?.length) {
          ctx.report(vs, { severity: 'error', code: 'IST0101', path, message: `Referenced virtualservice ${quote(key)} is not a delegate (it has hosts); remove its hosts and gateways so this route can delegate to it` });
        }
      }
    }
  },
};
