import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const virtualServiceSpec = z.strictObject({});
export type VirtualServiceSpec = z.infer<typeof virtualServiceSpec>;

export const virtualService = defineKind({
  group: 'networking.istio.io',
  kind: 'VirtualService',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'virtualservices',
  shortNames: ['vs'],
  body: 'spec',
  spec: virtualServiceSpec,
});
