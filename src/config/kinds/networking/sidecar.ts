import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const sidecarSpec = z.strictObject({});
export type SidecarSpec = z.infer<typeof sidecarSpec>;

export const sidecar = defineKind({
  group: 'networking.istio.io',
  kind: 'Sidecar',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'sidecars',
  shortNames: [],
  body: 'spec',
  spec: sidecarSpec,
});
