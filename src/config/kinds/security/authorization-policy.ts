import { z } from 'zod';
import { defineKind } from '../types.ts';
import type { PathSegment } from '../../issues.ts';
import { isCustomUnsupportedKey, pathWarning } from './authz-values.ts';
import { rule, TCP_SOURCE_FIELDS, type Rule } from './authz-rule.ts';
import { checkOneOfScope, policyScopeFields, warnEmptySelector } from './policy-scope.ts';

// AuthorizationPolicy (istio/api security/v1beta1/authorization_policy.proto). Evaluation order
// on a workload: CUSTOM, then DENY, then ALLOW (no ALLOW policy ⇒ allow; ALLOW policies present
// and none matches ⇒ 403). `spec: {}` is an ALLOW policy with no rules: it denies everything in
// scope; `rules: [{}]` allows everything. Validation: istio/istio validation.go
// ValidateAuthorizationPolicy. https://istio.io/latest/docs/reference/config/security/authorization-policy/

export { rule, source, operation, condition, ruleFrom, ruleTo } from './authz-rule.ts';
export type { Rule, Source, Operation, Condition, RuleFrom, RuleTo } from './authz-rule.ts';
export { conditionKeyCheck, isPathTemplate, pathError, pathWarning } from './authz-values.ts';

/** Default ALLOW. AUDIT never changes the decision; CUSTOM delegates to a MeshConfig extension provider. */
export const authorizationPolicyAction = z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
export type AuthorizationPolicyAction = z.infer<typeof authorizationPolicyAction>;

/** CUSTOM's provider: the name of a MeshConfig `extensionProviders` entry (ext_authz). */
export const authorizationPolicyProvider = z.strictObject({ name: z.string().optional() });
export type AuthorizationPolicyProvider = z.infer<typeof authorizationPolicyProvider>;

const CUSTOM_UNSUPPORTED_SOURCE = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains',
] as const;

const MEANINGLESS = 'action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request';

export const authorizationPolicySpec = z
  .strictObject({
    ...policyScopeFields,
    /** OR of rules; omitted or empty ⇒ matches nothing. */
    rules: z.array(rule).max(512, 'at most 512 rules are allowed').optional(),
    action: authorizationPolicyAction.optional(),
    provider: authorizationPolicyProvider.optional(),
  })
  .superRefine((spec, ctx) => {
    checkOneOfScope(spec, ctx);
    const action = spec.action ?? 'ALLOW';
    const noRules = !spec.rules?.length;
    if (action === 'CUSTOM') {
      if (noRules) ctx.addIssue({ code: 'custom', path: spec.rules ? ['rules'] : ['action'], message: `CUSTOM ${MEANINGLESS}` });
      else if (!spec.provider?.name) ctx.addIssue({ code: 'custom', path: spec.provider ? ['provider', 'name'] : ['provider'], message: '`provider.name` must not be empty' });
      for (const [i, r] of (spec.rules ?? []).entries()) checkCustomRule(r, i, ctx);
    } else if (spec.provider) {
      ctx.addIssue({ code: 'custom', path: ['provider'], message: `\`provider\` must not be with non CUSTOM action, found ${action}` });
    }
    if (action === 'DENY' && noRules) ctx.addIssue({ code: 'custom', path: spec.rules ? ['rules'] : ['action'], message: `DENY ${MEANINGLESS}` });
  });
export type AuthorizationPolicySpec = z.infer<typeof authorizationPolicySpec>;

/** The ext_authz filter does not see peer or JWT identities, so CUSTOM rules may not use them. */
function checkCustomRule(r: Rule, i: number, ctx: z.RefinementCtx) {
  for (const [j, from] of (r.from ?? []).entries()) {
    for (const f of CUSTOM_UNSUPPORTED_SOURCE) {
      if (from.source?.[f]?.length) ctx.addIssue({ code: 'custom', path: ['rules', i, 'from', j, 'source', f], message: `from.source.${f} is currently not supported with CUSTOM action` });
    }
  }
  for (const [j, c] of (r.when ?? []).entries()) {
    if (isCustomUnsupportedKey(c.key)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'when', j, 'key'], message: `${c.key} is currently not supported with CUSTOM action` });
  }
}

/**
 * Istio's warning for a DENY rule built only from HTTP attributes: on TCP traffic such a rule
 * cannot be evaluated and is treated as matching, so it denies every TCP connection in scope.
 */
function httpOnlyDenyRule(r: Rule): boolean {
  const sources = (r.from ?? []).flatMap((f) => (f.source ? [f.source] : []));
  const ops = (r.to ?? []).flatMap((t) => (t.operation ? [t.operation] : []));
  const tcpInFrom = sources.some((s) => TCP_SOURCE_FIELDS.some((f) => s[f] !== undefined));
  const tcpInTo = ops.some((o) => o.ports !== undefined || o.notPorts !== undefined);
  return (sources.length > 0 && ops.length === 0 && !tcpInFrom) || (ops.length > 0 && !tcpInTo);
}

export const authorizationPolicy = defineKind({
  group: 'security.istio.io',
  kind: 'AuthorizationPolicy',
  versions: ['v1', 'v1beta1'],
  plural: 'authorizationpolicies',
  shortNames: ['ap'],
  body: 'spec',
  spec: authorizationPolicySpec,
  check: (r, report) => {
    warnEmptySelector(r.spec, report);
    // meshgate enforces at gateways (selected by labels) and for destinations (Services,
    // ServiceEntries); a reference to anything else would leave the policy silently unenforced.
    const refs: [PathSegment[], { kind: string }][] = [
      ...(r.spec.targetRef ? [[['spec', 'targetRef'], r.spec.targetRef] as [PathSegment[], { kind: string }]] : []),
      ...(r.spec.targetRefs ?? []).map((t, i): [PathSegment[], { kind: string }] => [['spec', 'targetRefs', i], t]),
    ];
    for (const [path, ref] of refs) {
      if (ref.kind !== 'Service' && ref.kind !== 'ServiceEntry') report([...path, 'kind'], `a targetRef to a ${ref.kind} selects nothing at meshgate's gateways, so this policy is not enforced: select an Istio Gateway's workloads with \`selector\`, or target a Service or ServiceEntry`, 'warning');
    }
    for (const [i, rl] of (r.spec.rules ?? []).entries()) {
      for (const [j, t] of (rl.to ?? []).entries()) {
        for (const f of ['paths', 'notPaths'] as const) {
          for (const [k, p] of (t.operation?.[f] ?? []).entries()) {
            const w = pathWarning(p);
            if (w) report(['spec', 'rules', i, 'to', j, 'operation', f, k], w, 'warning');
          }
        }
      }
    }
    if (r.spec.action !== 'DENY') return;
    for (const [i, rl] of (r.spec.rules ?? []).entries()) {
      if (httpOnlyDenyRule(rl)) {
        report(['spec', 'rules', i], 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port', 'warning');
      }
    }
  },
});
