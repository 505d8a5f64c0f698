import { type Analyzer, GATEWAY_NAMESPACE, GATEWAY_ROLES, selects } from './context.ts';

// A Gateway whose `selector` matches neither gateway proxy meshgate runs (`istio: ingressgateway`,
// `istio: egressgateway`, both in istio-system) configures nothing. Istio's gateway analyzer
// reports a selector matching no pod; the level here is Istio's NoMatchingWorkloadsFound (IST0127,
// warning) because nothing else breaks: the VirtualServices bound to it are just never served.

export const gatewaySelector: Analyzer = {
  name: 'gateway.selector',
  analyze(ctx) {
    for (const gw of ctx.gateways) {
      const selector = gw.spec.selector;
      if (!selector || GATEWAY_ROLES.some((r) => selects(selector, r.labels))) continue;
      const labels = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
      ctx.report(gw, {
        severity: 'warning',
        code: 'IST0127',
        path: ['spec', 'selector'],
        message: `No matching workloads for this resource with the following labels: ${labels}. meshgate's gateways are the proxies labelled istio=ingressgateway and istio=egressgateway in ${GATEWAY_NAMESPACE}; select one of them or this Gateway serves nothing`,
      });
    }
  },
};
