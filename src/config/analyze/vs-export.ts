import { type Analyzer, MESH, GATEWAY_NAMESPACE, quote } from './context.ts';

// MG0010 (warning): a VirtualService bound to a Gateway but not exported to the namespace of the
// gateway proxies (istio-system): the gateway never sees it, as in Istio, where a gateway only
// takes VirtualServices visible to its own namespace. Mesh-bound routes run on the egress
// gateway, in the same namespace, so the same applies.

/** Is a config in `ns` with `exportTo` visible from `to`? (`*` all, `.` own namespace, names.) */
const visible = (exportTo: readonly string[], ns: string, to: string) => exportTo.some((e) => e === '*' || e === to || (e === '.' && ns === to));

export const vsExport: Analyzer = {
  name: 'virtualservice.exportto',
  analyze(ctx) {
    for (const vs of ctx.virtualServices) {
      const exportTo = vs.spec.exportTo?.length ? vs.spec.exportTo : ctx.defaultVirtualServiceExportTo;
      if (!vs.spec.hosts?.length || visible(exportTo, vs.namespace, GATEWAY_NAMESPACE)) continue;
      const bound = vs.spec.gateways?.length ? vs.spec.gateways : [MESH];
      ctx.report(vs, {
        severity: 'warning',
        code: 'MG0010',
        path: vs.spec.exportTo?.length ? ['spec', 'exportTo'] : ['spec', 'hosts'],
        message: `this VirtualService is exported to [${exportTo.map(quote).join(', ')}] only, not to ${GATEWAY_NAMESPACE} where meshgate's gateways run, so the gateways (${bound.map(quote).join(', ')}) never apply it. Add ${quote(GATEWAY_NAMESPACE)} (or "*") to exportTo`,
      });
    }
  },
};
