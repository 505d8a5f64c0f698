import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const authorizationPolicySpec = z.strictObject({});
export type AuthorizationPolicySpec = z.infer<typeof authorizationPolicySpec>;

export const authorizationPolicy = defineKind({
  group: 'security.istio.io',
  kind: 'AuthorizationPolicy',
  versions: ['v1', 'v1beta1'],
  plural: 'authorizationpolicies',
  shortNames: ['ap'],
  body: 'spec',
  spec: authorizationPolicySpec,
});
