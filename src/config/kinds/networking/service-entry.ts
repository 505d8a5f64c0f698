import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const serviceEntrySpec = z.strictObject({});
export type ServiceEntrySpec = z.infer<typeof serviceEntrySpec>;

export const serviceEntry = defineKind({
  group: 'networking.istio.io',
  kind: 'ServiceEntry',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'serviceentries',
  shortNames: ['se'],
  body: 'spec',
  spec: serviceEntrySpec,
});
