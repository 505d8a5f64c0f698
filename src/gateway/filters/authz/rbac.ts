import { RBAC_METADATA_NAMESPACE, RbacFilterConfig, type Rules } from '../../../xds/filters/rbac.ts';
import { rbacDenied } from '../../http/local-reply.ts';
import type { CompiledHttpFilter, FilterContext } from '../chain.ts';
import { compilePolicies, firstMatch, type CompiledPolicy } from './matchers.ts';

// Envoy's RBAC HTTP filter (envoy.filters.http.rbac), compiled once per snapshot.
// ALLOW: through iff a policy matches, else 403 `RBAC: access denied`; DENY: 403 iff a policy
// matches; LOG (Istio AUDIT): never refuses, marks the request for access logging
// (`envoy.common` → `access_log_hint`). Shadow rules only record their result in dynamic
// metadata (`<prefix>shadow_effective_policy_id`, `<prefix>shadow_engine_result`), which the
// CUSTOM ext_authz filter reads to know whether to run.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rbac_filter

interface Engine {
  action: Rules['action'];
  policies: readonly CompiledPolicy[];
}

const engine = (r: Rules): Engine => ({ action: r.action, policies: compilePolicies(r.policies) });

function namespace(ctx: FilterContext, ns: string): Record<string, unknown> {
  let m = ctx.metadata[ns];
  if (!m) ctx.metadata[ns] = m = {};
  return m;
}

export function compileRbac(typedConfig: unknown, name = 'envoy.filters.http.rbac'): CompiledHttpFilter | undefined {
  const c = RbacFilterConfig.parse(typedConfig);
  const rules = c.rules ? engine(c.rules) : undefined;
  const shadow = c.shadow_rules ? engine(c.shadow_rules) : undefined;
  const prefix = c.shadow_rules_stat_prefix ?? '';
  if (!rules && !shadow) return undefined;
  return {
    name,
    onRequest(ctx) {
      if (shadow) {
        const matched = firstMatch(shadow.policies, ctx);
        const md = namespace(ctx, RBAC_METADATA_NAMESPACE);
        // A stale id from an earlier stage must not switch on this stage's ext_authz.
        if (matched !== undefined) md[`${prefix}shadow_effective_policy_id`] = matched;
        else delete md[`${prefix}shadow_effective_policy_id`];
        const allowed = shadow.action === 'DENY' ? matched === undefined : shadow.action === 'ALLOW' ? matched !== undefined : true;
        md[`${prefix}shadow_engine_result`] = allowed ? 'allowed' : 'denied';
      }
      if (!rules) return undefined;
      const matched = firstMatch(rules.policies, ctx);
      switch (rules.action) {
        case 'ALLOW':
          return matched !== undefined ? undefined : rbacDenied();
        case 'DENY':
          return matched !== undefined ? rbacDenied() : undefined;
        case 'LOG':
          if (matched !== undefined) namespace(ctx, 'envoy.common').access_log_hint = true;
          return undefined;
      }
    },
  };
}
