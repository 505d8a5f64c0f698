// Workload identity for Workers (docs/identity.md "Workload identity for Workers"): what the
// control plane (issuer), meshFetch (presenter) and the gateways (verifiers) agree on. A Worker
// trades its per-workload bootstrap secret for a short-lived JWT-SVID over an RPC binding to the
// control plane and presents it on every mesh call in one header; gateways verify it against the
// trust bundle's JWKS and never forward it.

/** The header meshFetch sends the JWT-SVID in; gateways always remove it. */
export const SVID_HEADER = 'x-meshgate-svid';
/** The audience of JWT-SVIDs presented to meshgate's gateways (JWT-SVID §3 requires one). */
export const IDENTITY_AUDIENCE = 'meshgate';
/** Lifetime of a Worker's JWT-SVID; meshFetch renews when a third of it is left. */
export const IDENTITY_TOKEN_TTL_MS = 10 * 60_000;
/** Clock skew accepted by gateways on exp/nbf/iat. */
export const IDENTITY_CLOCK_SKEW_SEC = 30;

/** What `XdsService.identityToken(secret, audience?)` returns. Errors never quote the secret. */
export type IdentityTokenResult =
  | { ok: true; token: string; /** epoch ms */ expiresAt: number; spiffeId: string }
  | { ok: false; error: string };
