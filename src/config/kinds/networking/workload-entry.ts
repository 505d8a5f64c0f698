import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const workloadEntrySpec = z.strictObject({});
export type WorkloadEntrySpec = z.infer<typeof workloadEntrySpec>;

export const workloadEntry = defineKind({
  group: 'networking.istio.io',
  kind: 'WorkloadEntry',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'workloadentries',
  shortNames: ['we'],
  body: 'spec',
  spec: workloadEntrySpec,
});
