import type { Resource } from '../../../config/meta.ts';
import type { AuthorizationPolicySpec, Rule } from '../../../config/kinds/security/authorization-policy.ts';
import type { Permission, Policy, Principal } from '../../filters/rbac.ts';
import { conditionPermissions, operationPermission } from './permission.ts';
import { conditionPrincipals, sourcePrincipal } from './principal.ts';

// One AuthorizationPolicy rule → one Envoy RBAC policy (Istio model.go Generate): permissions =
// (any `to` operation) AND the destination-side `when` conditions; principals = (any `from`
// source) AND the caller-side `when` conditions. An empty part matches anything, so `{}` is a
// policy that always matches and a policy with no rules contributes no Envoy policy at all.

export type AuthorizationPolicy = Resource<AuthorizationPolicySpec>;

/** `policyNamespace` is where a bare `serviceAccounts` / `source.serviceAccount` name lives. */
export function rulePolicy(r: Rule, policyNamespace: string): Policy {
  const perms: Permission[] = [];
  const ops = (r.to ?? []).flatMap((t) => (t.operation ? [operationPermission(t.operation)] : []));
  if (ops.length) perms.push({ or_rules: { rules: ops } });
  perms.push(...conditionPermissions(r.when));
  const ids: Principal[] = [];
  const sources = (r.from ?? []).flatMap((f) => (f.source ? [sourcePrincipal(f.source, policyNamespace)] : []));
  if (sources.length) ids.push({ or_ids: { ids: sources } });
  ids.push(...conditionPrincipals(r.when, policyNamespace));
  return {
    permissions: [perms.length ? { and_rules: { rules: perms } } : { any: true }],
    principals: [ids.length ? { and_ids: { ids } } : { any: true }],
  };
}

/** Istio's policy names: `ns[NS]-policy[NAME]-rule[I]` (CUSTOM ones prefixed `istio-ext-authz-`). */
export function policyName(p: AuthorizationPolicy, i: number, prefix = ''): string {
  return `${prefix}ns[${p.metadata.namespace}]-policy[${p.metadata.name}]-rule[${i}]`;
}

/** Every rule of every policy, oldest policy first. */
export function policiesOf(list: readonly AuthorizationPolicy[], prefix = ''): Record<string, Policy> {
  const out: Record<string, Policy> = {};
  for (const p of list) for (const [i, r] of (p.spec.rules ?? []).entries()) out[policyName(p, i, prefix)] = rulePolicy(r, p.metadata.namespace);
  return out;
}
