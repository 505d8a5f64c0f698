import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const gatewaySpec = z.strictObject({});
export type GatewaySpec = z.infer<typeof gatewaySpec>;

export const gateway = defineKind({
  group: 'networking.istio.io',
  kind: 'Gateway',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'gateways',
  shortNames: ['gw'],
  body: 'spec',
  spec: gatewaySpec,
});
