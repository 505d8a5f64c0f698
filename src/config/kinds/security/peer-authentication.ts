import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const peerAuthenticationSpec = z.strictObject({});
export type PeerAuthenticationSpec = z.infer<typeof peerAuthenticationSpec>;

export const peerAuthentication = defineKind({
  group: 'security.istio.io',
  kind: 'PeerAuthentication',
  versions: ['v1', 'v1beta1'],
  plural: 'peerauthentications',
  shortNames: ['pa'],
  body: 'spec',
  spec: peerAuthenticationSpec,
});
