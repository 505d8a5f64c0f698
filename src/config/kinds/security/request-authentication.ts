import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const requestAuthenticationSpec = z.strictObject({});
export type RequestAuthenticationSpec = z.infer<typeof requestAuthenticationSpec>;

export const requestAuthentication = defineKind({
  group: 'security.istio.io',
  kind: 'RequestAuthentication',
  versions: ['v1', 'v1beta1'],
  plural: 'requestauthentications',
  shortNames: ['ra'],
  body: 'spec',
  spec: requestAuthenticationSpec,
});
