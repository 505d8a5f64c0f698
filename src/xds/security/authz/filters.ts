import { FILTER } from '../../filters/http-filters.ts';
import { RBAC_TYPE, type RbacFilterConfig, type Rules } from '../../filters/rbac.ts';
import type { PushContext } from '../../push-context.ts';
import type { HttpFilter } from '../../resources/listener.ts';
import { EXT_AUTHZ_POLICY_PREFIX, EXT_AUTHZ_STAT_PREFIX, extAuthzConfig } from './ext-authz.ts';
import { policiesOf, type AuthorizationPolicy } from './policy.ts';

// The policies that apply at one enforcement point → its HTTP filters, in Istio's order
// (pilot/pkg/security/authz/builder/builder.go): AUDIT (rbac LOG), CUSTOM (shadow rbac that marks
// matching requests + ext_authz that runs only for them), DENY (rbac DENY), ALLOW (rbac ALLOW).
// ALLOW is emitted whenever an ALLOW policy applies, even one without rules (`spec: {}`): an
// ALLOW filter with no matching policy denies everything. No ALLOW policy ⇒ no ALLOW filter ⇒
// allowed unless denied.
// https://istio.io/latest/docs/concepts/security/#implicit-enablement

const rbac = (rules: Partial<Pick<RbacFilterConfig, 'rules' | 'shadow_rules' | 'shadow_rules_stat_prefix'>>): HttpFilter => ({
  name: FILTER.rbac,
  typed_config: { '@type': RBAC_TYPE, ...rules } satisfies RbacFilterConfig,
});
const rules = (action: Rules['action'], list: readonly AuthorizationPolicy[], prefix = ''): Rules => ({ action, policies: policiesOf(list, prefix) });

/** Policies with their action defaulted (ALLOW). */
export const actionOf = (p: AuthorizationPolicy) => p.spec.action ?? 'ALLOW';

export function authorizationFilters(push: PushContext, policies: readonly AuthorizationPolicy[]): HttpFilter[] {
  const by = (a: string) => policies.filter((p) => actionOf(p) === a);
  const out: HttpFilter[] = [];
  const audit = by('AUDIT');
  if (audit.length) out.push(rbac({ rules: rules('LOG', audit) }));

  // CUSTOM: one provider per enforcement point. Policies naming more than one provider, or an
  // unknown one, are an error for all of them, and Istio then fails every CUSTOM policy there
  // closed: their rules become DENY rules rather than being dropped (builder.go getExtAuthz).
  const custom = by('CUSTOM');
  const failClosed: AuthorizationPolicy[] = [];
  if (custom.length) {
    const names = new Set(custom.map((p) => p.spec.provider?.name));
    const name = names.size === 1 ? [...names][0] : undefined;
    const provider = push.mesh.extensionProviders.find((x) => name !== undefined && x.name === name)?.envoyExtAuthzHttp;
    if (provider) {
      out.push(rbac({ shadow_rules: rules('ALLOW', custom, EXT_AUTHZ_POLICY_PREFIX), shadow_rules_stat_prefix: EXT_AUTHZ_STAT_PREFIX }));
      out.push({ name: FILTER.extAuthz, typed_config: extAuthzConfig(push, provider) });
    } else {
      failClosed.push(...custom);
    }
  }
  const deny = [...failClosed, ...by('DENY')];
  if (deny.length) out.push(enforcedAndDryRun('DENY', deny));
  const allow = by('ALLOW');
  if (allow.length) out.push(enforcedAndDryRun('ALLOW', allow));
  return out;
}

/** Istio's `istio.io/dry-run` annotation, read as Go's strconv.ParseBool reads it. */
const isDryRun = (p: AuthorizationPolicy) => ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(p.metadata.annotations?.['istio.io/dry-run'] ?? '');

/**
 * Dry-run policies go to `shadow_rules` (evaluated, result in dynamic metadata under
 * `istio_dry_run_{allow,deny}_`, never enforced), the rest to `rules`; with only dry-run ALLOW
 * policies there are no enforced rules, so no implicit deny (Istio builder.go).
 */
function enforcedAndDryRun(action: 'ALLOW' | 'DENY', list: readonly AuthorizationPolicy[]): HttpFilter {
  const dry = list.filter(isDryRun);
  const enforced = list.filter((p) => !isDryRun(p));
  return rbac({
    ...(enforced.length ? { rules: rules(action, enforced) } : {}),
    ...(dry.length ? { shadow_rules: rules(action, dry), shadow_rules_stat_prefix: action === 'ALLOW' ? 'istio_dry_run_allow_' : 'istio_dry_run_deny_' } : {}),
  });
}
