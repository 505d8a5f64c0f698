import type { Condition, Operation } from '../../../config/kinds/security/authorization-policy.ts';
import { isPathTemplate } from '../../../config/kinds/security/authorization-policy.ts';
import { URI_TEMPLATE_TYPE, type Permission } from '../../filters/rbac.ts';
import { cidrRange, stringMatcher } from './strings.ts';

// Operation (`to`) and the `when` keys about the destination → Envoy RBAC permissions, as Istio
// generates them (pilot/pkg/security/authz/model/generator.go): hosts on `:authority`
// (case-insensitive, exact on the whole authority including any port — istio/istio#44080),
// methods on `:method`, paths on the path without query (`url_path`) or an Envoy URI template,
// ports on the destination (edge) port.

const or = (rules: Permission[]): Permission => ({ or_rules: { rules } });
const not = (p: Permission): Permission => ({ not_rule: p });

type Gen = (v: string) => Permission;

const host: Gen = (v) => ({ header: { name: ':authority', string_match: stringMatcher(v, { ignoreCase: true }) } });
const method: Gen = (v) => ({ header: { name: ':method', string_match: stringMatcher(v) } });
const port: Gen = (v) => ({ destination_port: Number(v) });
const path: Gen = (v) =>
  isPathTemplate(v)
    ? { uri_template: { name: 'envoy.path.match.uri_template.uri_template_matcher', typed_config: { '@type': URI_TEMPLATE_TYPE, path_template: v } } }
    : { url_path: { path: stringMatcher(v) } };

function field(out: Permission[], values: readonly string[] | undefined, notValues: readonly string[] | undefined, gen: Gen) {
  if (values?.length) out.push(or(values.map(gen)));
  if (notValues?.length) out.push(not(or(notValues.map(gen))));
}

export function operationPermission(o: Operation): Permission {
  const rules: Permission[] = [];
  field(rules, o.hosts, o.notHosts, host);
  field(rules, o.ports, o.notPorts, port);
  field(rules, o.methods, o.notMethods, method);
  field(rules, o.paths, o.notPaths, path);
  return { and_rules: { rules } };
}

/** The generator for a `when` key about the destination, or undefined for caller-side keys. */
export function permissionCondition(key: string): Gen | undefined {
  switch (key) {
    case 'destination.ip': return (v) => ({ destination_ip: cidrRange(v) });
    case 'destination.port': return port;
    case 'connection.sni': return (v) => ({ requested_server_name: stringMatcher(v) });
  }
  return undefined;
}

export function conditionPermissions(when: readonly Condition[] | undefined): Permission[] {
  const out: Permission[] = [];
  for (const c of when ?? []) {
    const gen = permissionCondition(c.key);
    if (gen) field(out, c.values, c.notValues, gen);
  }
  return out;
}
