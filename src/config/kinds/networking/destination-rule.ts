import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const destinationRuleSpec = z.strictObject({});
export type DestinationRuleSpec = z.infer<typeof destinationRuleSpec>;

export const destinationRule = defineKind({
  group: 'networking.istio.io',
  kind: 'DestinationRule',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'destinationrules',
  shortNames: ['dr'],
  body: 'spec',
  spec: destinationRuleSpec,
});
