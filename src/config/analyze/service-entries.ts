import { type Analyzer, selects } from './context.ts';

// MG0007 (warning): a ServiceEntry with `resolution: STATIC` and no endpoints — neither
// `endpoints` nor WorkloadEntries in its namespace matching its `workloadSelector`. Its
// clusters are empty and every request routed to it gets 503 `no healthy upstream`.
// (DNS resolution falls back to the host names; NONE forwards to the original destination.)

export const serviceEntryEndpoints: Analyzer = {
  name: 'serviceentry.endpoints',
  analyze(ctx) {
    for (const se of ctx.serviceEntries) {
      if (se.spec.resolution !== 'STATIC' || se.spec.endpoints?.length) continue;
      const sel = se.spec.workloadSelector;
      if (sel) {
        const wanted = sel.labels ?? {};
        const backing = ctx.workloadEntries.filter((we) => we.namespace === se.namespace && selects(wanted, we.spec.labels ?? {}));
        if (backing.length) continue;
        const labels = Object.entries(wanted).map(([k, v]) => `${k}=${v}`).join(',');
        ctx.report(se, {
          severity: 'warning',
          code: 'MG0007',
          path: ['spec', 'workloadSelector'],
          message: `no WorkloadEntry in namespace ${se.namespace} has the labels ${labels || '(none)'}, so this STATIC ServiceEntry has no endpoints and requests to ${se.spec.hosts.join(', ')} get 503 (no healthy upstream). Add a matching WorkloadEntry or fix the selector`,
        });
        continue;
      }
      ctx.report(se, {
        severity: 'warning',
        code: 'MG0007',
        path: ['spec', 'resolution'],
        message: `resolution STATIC with no endpoints and no workloadSelector: requests to ${se.spec.hosts.join(', ')} get 503 (no healthy upstream). List the endpoints, select WorkloadEntries with workloadSelector, or use resolution DNS`,
      });
    }
  },
};
