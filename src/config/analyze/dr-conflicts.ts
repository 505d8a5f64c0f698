import { resolveShortName } from '../hosts.ts';
import type { DestinationRuleSpec } from '../kinds/networking/destination-rule.ts';
import { type Analyzer, byCreation, quote, type Typed } from './context.ts';

// Several DestinationRules for one host in one namespace (none with a workloadSelector) are
// merged, as Istio does (pilot/pkg/model/destination_rule.go mergeDestinationRule): subsets are
// appended and the first of a name wins; the oldest rule's top-level trafficPolicy wins and the
// others' is ignored. Istio has no analyzer code for this; meshgate reports MG0003: a warning for
// what is silently dropped (trafficPolicy, duplicate subsets), info when the merge loses nothing.

export const destinationRuleConflicts: Analyzer = {
  name: 'destinationrule.conflicts',
  analyze(ctx) {
    const groups = new Map<string, Typed<DestinationRuleSpec>[]>();
    for (const dr of ctx.destinationRules) {
      if (dr.spec.workloadSelector) continue;
      const key = `${dr.namespace}\n${resolveShortName(dr.spec.host, dr.namespace)}`;
      groups.set(key, [...(groups.get(key) ?? []), dr]);
    }
    for (const [key, list] of groups) {
      if (list.length < 2) continue;
      const host = key.slice(key.indexOf('\n') + 1);
      const sorted = [...list].sort(byCreation);
      const first = sorted[0]!;
      const policyOwner = sorted.find((d) => d.spec.trafficPolicy);
      const subsetOwner = new Map<string, string>();
      for (const [k, dr] of sorted.entries()) {
        let lost = false;
        if (k > 0 && dr.spec.trafficPolicy && policyOwner && policyOwner !== dr) {
          lost = true;
          ctx.report(dr, {
            severity: 'warning',
            code: 'MG0003',
            path: ['spec', 'trafficPolicy'],
            message: `DestinationRules ${sorted.map((d) => d.key).join(', ')} all apply to host ${host} and are merged; the trafficPolicy of the oldest one with a policy (${policyOwner.key}) wins and this one is ignored. Move the settings into ${policyOwner.key}`,
          });
        }
        for (const [i, s] of (dr.spec.subsets ?? []).entries()) {
          if (!s) continue;
          const owner = subsetOwner.get(s.name);
          if (owner === undefined) {
            subsetOwner.set(s.name, dr.key);
            continue;
          }
          if (owner === dr.key) continue;
          lost = true;
          ctx.report(dr, {
            severity: 'warning',
            code: 'MG0003',
            path: ['spec', 'subsets', i, 'name'],
            message: `subset ${quote(s.name)} for host ${host} is already defined by DestinationRule ${owner}, which is merged first; this definition is ignored. Rename the subset or remove one of the definitions`,
          });
        }
        if (k > 0 && !lost) {
          ctx.report(dr, {
            severity: 'info',
            code: 'MG0003',
            path: ['spec', 'host'],
            message: `DestinationRule ${first.key} also applies to host ${host} in this namespace; the rules are merged (subsets appended, the oldest rule's trafficPolicy wins). Consider a single DestinationRule per host`,
          });
        }
      }
    }
  },
};
