import { z } from 'zod';
import { conditionKeyCheck, ipError, pathError, portError } from './authz-values.ts';

// AuthorizationPolicy Rule, Source, Operation and Condition (istio/api
// security/v1beta1/authorization_policy.proto), validated as istio/istio
// pkg/config/validation/validation.go ValidateAuthorizationPolicy does.
// Every string accepts the rule syntax: `abc` exact, `abc*` prefix, `*abc` suffix, `*` non-empty.
// https://istio.io/latest/docs/reference/config/security/authorization-policy/

type Ctx = z.RefinementCtx;
const strings = z.array(z.string());

/** Istio rejects `""` anywhere in a rule's lists. */
function noEmpty(list: readonly string[] | undefined, field: string, ctx: Ctx) {
  for (const [i, v] of (list ?? []).entries()) {
    if (v === '') ctx.addIssue({ code: 'custom', path: [field, i], message: `empty value not allowed, found in ${field}` });
  }
}

function each(list: readonly string[] | undefined, field: string, ctx: Ctx, check: (v: string) => string | undefined) {
  for (const [i, v] of (list ?? []).entries()) {
    const err = v === '' ? undefined : check(v);
    if (err) ctx.addIssue({ code: 'custom', path: [field, i], message: err });
  }
}

const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
  'trustDomains', 'notTrustDomains',
] as const;

/** `name` (in the policy's namespace) or `ns/name`: no wildcards, at most one slash (security.go CheckServiceAccount). */
function serviceAccountError(v: string): string | undefined {
  if (v.includes('*')) return `wildcard is not allowed in service accounts, found "${v}"`;
  if (v.length > 320) return `service account "${v.slice(0, 40)}…" is longer than 320 characters`;
  const parts = v.split('/');
  if (parts.length > 2 || parts.some((p) => !p)) return `service account "${v}" must be of the form <name> or <namespace>/<name>`;
  return undefined;
}

/** Fields AND together; values within a field OR; `notX` must match none. */
export const source = z
  .strictObject({
    /** Peer (mTLS) identities `<trust domain>/ns/<ns>/sa/<sa>`. */
    principals: strings.optional(),
    notPrincipals: strings.optional(),
    /** JWT identities `<iss>/<sub>`. */
    requestPrincipals: strings.optional(),
    notRequestPrincipals: strings.optional(),
    /** Peer namespace (mTLS). */
    namespaces: strings.optional(),
    notNamespaces: strings.optional(),
    /** Peer service accounts `<ns>/<name>` or `<name>` (policy namespace); not with principals or namespaces. */
    serviceAccounts: strings.max(16, 'at most 16 serviceAccounts are allowed').optional(),
    notServiceAccounts: strings.max(16, 'at most 16 notServiceAccounts are allowed').optional(),
    /** Peer IP, single IP or CIDR (`source.ip`). */
    ipBlocks: strings.optional(),
    notIpBlocks: strings.optional(),
    /** Original client IP from X-Forwarded-For / PROXY protocol (`remote.ip`). */
    remoteIpBlocks: strings.optional(),
    notRemoteIpBlocks: strings.optional(),
    /** Peer trust domain (mTLS). */
    trustDomains: strings.optional(),
    notTrustDomains: strings.optional(),
  })
  .superRefine((s, ctx) => {
    if (SOURCE_FIELDS.every((f) => (s[f]?.length ?? 0) === 0)) ctx.addIssue({ code: 'custom', message: '`from.source` must not be empty' });
    const identity = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'] as const;
    const sa = ['serviceAccounts', 'notServiceAccounts'] as const;
    const firstSa = sa.find((f) => (s[f]?.length ?? 0) > 0);
    if (firstSa && identity.some((f) => (s[f]?.length ?? 0) > 0)) ctx.addIssue({ code: 'custom', path: [firstSa], message: 'cannot set serviceAccounts with namespaces or principals' });
    for (const f of SOURCE_FIELDS) noEmpty(s[f], f, ctx);
    for (const f of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) each(s[f], f, ctx, ipError);
    for (const f of sa) each(s[f], f, ctx, serviceAccountError);
  });
export type Source = z.infer<typeof source>;

/** Source fields that also work on TCP traffic (everything but request principals). */
export const TCP_SOURCE_FIELDS = SOURCE_FIELDS.filter((f) => f !== 'requestPrincipals' && f !== 'notRequestPrincipals');

const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

// Ports are strings in the API; a YAML number gets a hint instead of a bare type error.
const portString = z.custom<string>((v) => typeof v === 'string', {
  error: (iss) => (typeof iss.input === 'number' ? `ports are strings: write "${iss.input}" in quotes` : 'expected string'),
});
const portStrings = z.array(portString);

export const operation = z
  .strictObject({
    /** `:authority`, case-insensitive, exact including any port (HTTP only). */
    hosts: strings.optional(),
    notHosts: strings.optional(),
    /** Destination (listener) ports, as strings. */
    ports: portStrings.optional(),
    notPorts: portStrings.optional(),
    /** HTTP methods (gRPC is always POST). */
    methods: strings.optional(),
    notMethods: strings.optional(),
    /** Normalized path without query; may be a `{*}`/`{**}` template (HTTP only). */
    paths: strings.optional(),
    notPaths: strings.optional(),
  })
  .superRefine((o, ctx) => {
    if (OPERATION_FIELDS.every((f) => (o[f]?.length ?? 0) === 0)) ctx.addIssue({ code: 'custom', message: '`to.operation` must not be empty' });
    for (const f of OPERATION_FIELDS) noEmpty(o[f], f, ctx);
    each(o.ports, 'ports', ctx, portError);
    each(o.notPorts, 'notPorts', ctx, portError);
    each(o.paths, 'paths', ctx, pathError);
    each(o.notPaths, 'notPaths', ctx, pathError);
  });
export type Operation = z.infer<typeof operation>;

/** One extra attribute test; `values` any-of, `notValues` none-of; all conditions of a rule AND. */
export const condition = z
  .strictObject({
    key: z.string(),
    values: strings.optional(),
    notValues: strings.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.key === '') return ctx.addIssue({ code: 'custom', path: ['key'], message: '`key` must not be empty' });
    if (!c.values?.length && !c.notValues?.length) {
      return ctx.addIssue({ code: 'custom', message: `at least one of \`values\` or \`notValues\` must be set for key ${c.key}` });
    }
    const { error, kind } = conditionKeyCheck(c.key);
    if (error) return ctx.addIssue({ code: 'custom', path: ['key'], message: `invalid \`key\` ${c.key}: ${error}` });
    for (const field of ['values', 'notValues'] as const) {
      const label = field === 'values' ? 'value' : 'notValue';
      if (kind === 'serviceAccount' && (c[field]?.length ?? 0) > 16) ctx.addIssue({ code: 'custom', path: [field], message: `may not have more than 16 ${field} for key ${c.key}` });
      for (const [i, v] of (c[field] ?? []).entries()) {
        const err = v === '' ? `empty value not allowed, found in ${c.key}` : kind === 'ip' ? ipError(v) : kind === 'port' ? portError(v) : kind === 'serviceAccount' ? serviceAccountError(v) : undefined;
        if (err) ctx.addIssue({ code: 'custom', path: [field, i], message: `invalid \`${label}\` for \`key\` ${c.key}: ${err}` });
      }
    }
  });
export type Condition = z.infer<typeof condition>;

export const ruleFrom = z.strictObject({ source: source.optional() }).superRefine((f, ctx) => {
  if (f.source === undefined) ctx.addIssue({ code: 'custom', path: ['source'], message: '`from.source` must not be nil' });
});
export type RuleFrom = z.infer<typeof ruleFrom>;

export const ruleTo = z.strictObject({ operation: operation.optional() }).superRefine((t, ctx) => {
  if (t.operation === undefined) ctx.addIssue({ code: 'custom', path: ['operation'], message: '`to.operation` must not be nil' });
});
export type RuleTo = z.infer<typeof ruleTo>;

/** Matches when any `from` AND any `to` AND every `when` match; omitted parts match anything; `{}` always matches. */
export const rule = z
  .strictObject({
    from: z.array(ruleFrom).optional(),
    to: z.array(ruleTo).optional(),
    when: z.array(condition).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.from && r.from.length === 0) ctx.addIssue({ code: 'custom', path: ['from'], message: '`from` must not be empty' });
    if (r.to && r.to.length === 0) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must not be empty' });
  });
export type Rule = z.infer<typeof rule>;
