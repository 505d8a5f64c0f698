import { z } from 'zod';
import { workloadSelector } from '../../syntax/common.ts';
import { defineKind } from '../types.ts';
import { warnEmptySelector } from './policy-scope.ts';

// PeerAuthentication (istio/api security/v1beta1/peer_authentication.proto): which inbound
// connections a workload accepts, mTLS or plaintext. Validation follows istio/istio
// pkg/config/validation/validation.go ValidatePeerAuthentication.
// https://istio.io/latest/docs/reference/config/security/peer_authentication/

/** UNSET inherits from the parent (namespace, then mesh); at the top of the chain it means PERMISSIVE. */
export const peerAuthenticationMode = z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);
export type PeerAuthenticationMode = z.infer<typeof peerAuthenticationMode>;

/** `mode` omitted ⇒ UNSET. */
export const mutualTls = z.strictObject({ mode: peerAuthenticationMode.optional() });
export type MutualTLS = z.infer<typeof mutualTls>;

// Keys of portLevelMtls are workload (container) port numbers; YAML map keys arrive as strings.
const isPortKey = (k: string) => /^\d{1,5}$/.test(k) && Number(k) >= 1 && Number(k) <= 65535;

export const peerAuthenticationSpec = z
  .strictObject({
    /** Workload-level policy; without it the policy is namespace-wide (root namespace: mesh-wide). */
    selector: workloadSelector.optional(),
    /** Omitted ⇒ inherit from the parent policy. */
    mtls: mutualTls.optional(),
    /** Per workload port; only for workload-level policies (with a selector). */
    portLevelMtls: z.record(z.string(), mutualTls).optional(),
  })
  .superRefine((spec, ctx) => {
    const ports = spec.portLevelMtls;
    if (ports === undefined) return;
    const keys = Object.keys(ports);
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['portLevelMtls'], message: 'port level mTLS, if defined, must have at least one element' });
      return;
    }
    if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['portLevelMtls'], message: 'mesh/namespace peer authentication cannot have port level mTLS' });
    }
    for (const k of keys) {
      if (!isPortKey(k)) ctx.addIssue({ code: 'custom', path: ['portLevelMtls', k], message: `port must be in range 1..65535 (got "${k}")` });
    }
  });
export type PeerAuthenticationSpec = z.infer<typeof peerAuthenticationSpec>;

export const peerAuthentication = defineKind({
  group: 'security.istio.io',
  kind: 'PeerAuthentication',
  versions: ['v1', 'v1beta1'],
  plural: 'peerauthentications',
  shortNames: ['pa'],
  body: 'spec',
  spec: peerAuthenticationSpec,
  check: (r, report) => warnEmptySelector(r.spec, report),
});
