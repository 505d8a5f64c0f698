import { z } from 'zod';

// envoy.extensions.transport_sockets.tls.v3.Secret, as SDS delivers it. Only public material
// (trust bundles, JWKS) is ever put in a snapshot; private keys never are.
export const Secret = z.strictObject({
  name: z.string(),
  validation_context: z.strictObject({ trusted_ca: z.strictObject({ inline_string: z.string() }) }).optional(),
  /** meshgate: the JWT-SVID signing keys (public JWKS) of the mesh CA. */
  'meshgate.jwks': z.string().optional(),
});
export type Secret = z.infer<typeof Secret>;
