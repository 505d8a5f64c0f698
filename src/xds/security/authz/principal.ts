import type { Condition, Source } from '../../../config/kinds/security/authorization-policy.ts';
import type { MetadataMatcher, Principal, ValueMatcher } from '../../filters/rbac.ts';
import type { StringMatcher } from '../../resources/common.ts';
import { cidrRange, escapeRegex, segmentRegex, stringMatcher } from './strings.ts';

// Source (`from`) and the `when` keys about the caller → Envoy RBAC principals, as Istio's
// generators do (pilot/pkg/security/authz/model/generator.go): peer identities match the
// verified certificate's SPIFFE URI (`authenticated.principal_name`), JWT attributes the dynamic
// metadata `istio_authn` written by jwt_authn, addresses the connection (`direct_remote_ip`) or
// the original client (`remote_ip`).

export const AUTHN_METADATA = 'istio_authn';
const SPIFFE = 'spiffe://';

const or = (ids: Principal[]): Principal => ({ or_ids: { ids } });
const not = (p: Principal): Principal => ({ not_id: p });
const regex = (r: string): Principal => ({ authenticated: { principal_name: { safe_regex: { regex: r } } } });

const principalName = (v: string): Principal => ({ authenticated: { principal_name: stringMatcher(v, { prefix: SPIFFE }) } });
const namespaceId = (v: string): Principal => regex(`${escapeRegex(SPIFFE)}[^/]+/ns/${segmentRegex(v)}/.*`);
const trustDomainId = (v: string): Principal => regex(`${escapeRegex(SPIFFE)}${segmentRegex(v)}/.*`);
/**
 * `ns/sa`, or `sa` in the policy's namespace (Istio serviceAccountRegex): `/ns/NS/` and `/sa/SA`
 * with other SPIFFE path segments allowed around them, never `SA-suffix`.
 */
const serviceAccountId = (policyNamespace: string) => (v: string): Principal => {
  const slash = v.indexOf('/');
  const [ns, sa] = slash < 0 ? [policyNamespace, v] : [v.slice(0, slash), v.slice(slash + 1)];
  return regex(`${escapeRegex(SPIFFE)}.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?`);
};

/** A JWT attribute from `istio_authn`; `list` ⇒ a list value matches when one element does. */
export function authnMetadata(path: string[], v: string, list: boolean): Principal {
  const sm: ValueMatcher = { string_match: stringMatcher(v) };
  const m: MetadataMatcher = { filter: AUTHN_METADATA, path: path.map((key) => ({ key })), value: list ? { list_match: { one_of: sm } } : sm };
  return { metadata: m };
}
/** A string claim of the verified token (`iss`, `sub`) under a matcher. */
const claimIs = (claim: string, string_match: StringMatcher): Principal => ({ metadata: { filter: AUTHN_METADATA, path: [{ key: 'request.auth.claims' }, { key: claim }], value: { string_match } } });
const ANY: StringMatcher = { safe_regex: { regex: '.+' } };

/**
 * `requestPrincipals` / `request.auth.principal`: split at the last `/` (an issuer may be a URL)
 * and matched as the token's `iss` and `sub` claims, each on its own, as Istio's
 * requestPrincipalGenerator.extendedPrincipal does; so `https://idp.example/*` admits any subject
 * of that issuer and no other issuer whose URL starts the same way.
 */
function requestPrincipal(v: string): Principal {
  const idx = v.lastIndexOf('/');
  const found = idx >= 0;
  const iss = found ? v.slice(0, idx) : v;
  const sub = found ? v.slice(idx + 1) : '';
  let mIss: StringMatcher;
  let mSub: StringMatcher;
  if (v === '*') [mIss, mSub] = [ANY, ANY];
  else if (v.startsWith('*')) [mIss, mSub] = found ? [iss === '*' ? ANY : { suffix: iss.slice(1) }, { exact: sub }] : [ANY, { suffix: v.slice(1) }];
  else if (v.endsWith('*')) [mIss, mSub] = found ? [{ exact: iss }, sub === '*' ? ANY : { prefix: sub.slice(0, -1) }] : [{ prefix: v.slice(0, -1) }, ANY];
  else [mIss, mSub] = [{ exact: iss }, { exact: sub }];
  return { and_ids: { ids: [claimIs('iss', mIss), claimIs('sub', mSub)] } };
}

type Gen = (v: string) => Principal;

/** `values` any-of and `notValues` none-of, as Istio emits them. */
function field(out: Principal[], values: readonly string[] | undefined, notValues: readonly string[] | undefined, gen: Gen) {
  if (values?.length) out.push(or(values.map(gen)));
  if (notValues?.length) out.push(not(or(notValues.map(gen))));
}

export function sourcePrincipal(s: Source, policyNamespace: string): Principal {
  const ids: Principal[] = [];
  field(ids, s.principals, s.notPrincipals, principalName);
  field(ids, s.requestPrincipals, s.notRequestPrincipals, requestPrincipal);
  field(ids, s.namespaces, s.notNamespaces, namespaceId);
  field(ids, s.serviceAccounts, s.notServiceAccounts, serviceAccountId(policyNamespace));
  field(ids, s.ipBlocks, s.notIpBlocks, (v) => ({ direct_remote_ip: cidrRange(v) }));
  field(ids, s.remoteIpBlocks, s.notRemoteIpBlocks, (v) => ({ remote_ip: cidrRange(v) }));
  field(ids, s.trustDomains, s.notTrustDomains, trustDomainId);
  return { and_ids: { ids } };
}

/** `request.auth.claims[a][b]` → `['a', 'b']`. */
export function claimPath(key: string): string[] {
  return [...key.slice('request.auth.claims'.length).matchAll(/\[([^[\]]+)\]/g)].map((m) => m[1]!);
}

/** The generator for a `when` key about the caller, or undefined for permission-side keys. */
export function principalCondition(key: string, policyNamespace: string): Gen | undefined {
  switch (key) {
    case 'source.ip': return (v) => ({ direct_remote_ip: cidrRange(v) });
    case 'remote.ip': return (v) => ({ remote_ip: cidrRange(v) });
    case 'source.namespace': return namespaceId;
    case 'source.principal': return principalName;
    case 'source.serviceAccount': return serviceAccountId(policyNamespace);
    case 'source.trustDomain': return trustDomainId;
    case 'request.auth.principal': return requestPrincipal;
    case 'request.auth.audiences': return (v) => authnMetadata(['request.auth.audiences'], v, true);
    case 'request.auth.presenter': return (v) => authnMetadata(['request.auth.presenter'], v, false);
  }
  if (key.startsWith('request.headers[')) {
    const name = key.slice('request.headers['.length, -1);
    // `*` is presence, an empty value included (Istio matcher.HeaderMatcher).
    return (v) => (v === '*' ? { header: { name, present_match: true } } : { header: { name, string_match: stringMatcher(v) } });
  }
  if (key.startsWith('request.auth.claims[')) {
    const path = ['request.auth.claims', ...claimPath(key)];
    return (v) => authnMetadata(path, v, true);
  }
  if (key.startsWith('experimental.envoy.filters.')) {
    // experimental.envoy.filters.<filter>[<key>]: the filter's dynamic metadata.
    const open = key.indexOf('[');
    const filter = key.slice('experimental.'.length, open);
    const mdKey = key.slice(open + 1, -1);
    // A value written `[v]` matches a list holding exactly v (Istio envoyFilterGenerator).
    return (v) => ({
      metadata: {
        filter,
        path: [{ key: mdKey }],
        value: v.startsWith('[') && v.endsWith(']') ? { list_match: { one_of: { string_match: { exact: v.replace(/^\[+|\]+$/g, '') } } } } : { string_match: stringMatcher(v) },
      },
    });
  }
  return undefined;
}

/** The caller-side `when` conditions of a rule, one principal each (AND). */
export function conditionPrincipals(when: readonly Condition[] | undefined, policyNamespace: string): Principal[] {
  const out: Principal[] = [];
  for (const c of when ?? []) {
    const gen = principalCondition(c.key, policyNamespace);
    if (gen) field(out, c.values, c.notValues, gen);
  }
  return out;
}
