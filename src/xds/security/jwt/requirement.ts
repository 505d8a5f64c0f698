import type { JwtRequirement } from '../../filters/jwt-authn.ts';

// Istio's requirement over the providers of one workload (policy_applier.go
// convertToEnvoyJwtConfig): one provider ⇒ `P0 OR allow_missing`; several ⇒
// `P0 OR P1 OR … OR AND_i(Pi OR allow_missing)`. A token that no provider is configured for
// passes (no principal); a token for one that fails verification is rejected.

const allowMissing = (name: string): JwtRequirement => ({ requires_any: { requirements: [{ provider_name: name }, { allow_missing: {} }] } });

export function istioRequirement(providerNames: readonly string[]): JwtRequirement | undefined {
  if (providerNames.length === 0) return undefined;
  if (providerNames.length === 1) return allowMissing(providerNames[0]!);
  return {
    requires_any: {
      requirements: [...providerNames.map((name) => ({ provider_name: name })), { requires_all: { requirements: providerNames.map(allowMissing) } }],
    },
  };
}
