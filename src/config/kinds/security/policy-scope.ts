import { z } from 'zod';
import type { PathSegment } from '../../issues.ts';
import { policyTargetReference, workloadSelector } from '../../syntax/common.ts';
import type { Report } from '../types.ts';

// The scope fields shared by RequestAuthentication, AuthorizationPolicy and Telemetry:
// `selector` | `targetRef` | `targetRefs`, at most one of them
// (istio/istio pkg/config/validation/validation.go validateOneOfSelectorType).
export const policyScopeFields = {
  /** Workloads in the policy's namespace (root namespace: the whole mesh); omitted ⇒ all of them. */
  selector: workloadSelector.optional(),
  /** Deprecated single form of `targetRefs`; still served. */
  targetRef: policyTargetReference.optional(),
  targetRefs: z.array(policyTargetReference).max(16, 'at most 16 targetRefs are allowed').optional(),
};

export type PolicyScope = {
  selector?: z.infer<typeof workloadSelector> | undefined;
  targetRef?: z.infer<typeof policyTargetReference> | undefined;
  targetRefs?: z.infer<typeof policyTargetReference>[] | undefined;
};

/** Adds Istio's "only one of" error when more than one scope field is set. */
export function checkOneOfScope(spec: PolicyScope, ctx: z.RefinementCtx) {
  const set = (['selector', 'targetRef', 'targetRefs'] as const).filter((k) => (k === 'targetRefs' ? (spec.targetRefs?.length ?? 0) > 0 : spec[k] !== undefined));
  if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1]!], message: 'only one of targetRefs or workloadSelector can be set' });
}

/** Istio's warning for `selector: {}` (applies to every workload, probably not what was meant). */
export function warnEmptySelector(spec: PolicyScope, report: Report, base: readonly PathSegment[] = ['spec']) {
  if (spec.selector && Object.keys(spec.selector.matchLabels ?? {}).length === 0) {
    report([...base, 'selector'], 'workload selector specified without labels', 'warning');
  }
}
