import { type Analyzer, quote } from './context.ts';

// MG0012 (warning): a PeerAuthentication without a selector asking for STRICT or DISABLE. Istio
// applies such a policy to sidecars' inbound traffic, never to gateways (their TLS comes from the
// Gateway); meshgate runs only gateways, so the policy changes nothing here (docs/identity.md).
// A policy selecting a gateway's labels in istio-system is how a gateway gets a mode.

export const peerAuthentications: Analyzer = {
  name: 'peerauthentication.scope',
  analyze(ctx) {
    for (const pa of ctx.peerAuthentications) {
      const mode = pa.spec.mtls?.mode;
      if (Object.keys(pa.spec.selector?.matchLabels ?? {}).length || (mode !== 'STRICT' && mode !== 'DISABLE')) continue;
      ctx.report(pa, {
        severity: 'warning',
        code: 'MG0012',
        path: ['spec', 'mtls', 'mode'],
        message: `mode ${quote(mode)} without a selector applies to workloads' own sidecars in Istio, never to gateways, so it changes nothing at meshgate's gateways (an internet-facing ingress stays open). To make a gateway ${mode === 'STRICT' ? 'require' : 'ignore'} mesh identities, add a policy in istio-system with selector: {matchLabels: {istio: ingressgateway}} (or egressgateway)`,
      });
    }
  },
};
