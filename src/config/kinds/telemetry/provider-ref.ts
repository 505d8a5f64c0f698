import { z } from 'zod';

// Pieces shared by the three Telemetry sections (istio/api telemetry/v1alpha1/telemetry.proto).

/** Names a MeshConfig `extensionProviders` entry; omitted ⇒ the mesh's `defaultProviders`. */
export const providerRef = z.strictObject({
  name: z.string().superRefine((v, ctx) => {
    if (v === '') ctx.addIssue({ code: 'custom', message: 'providers.name may not be empty' });
  }),
});
export type ProviderRef = z.infer<typeof providerRef>;

/** Which side of the proxy a setting applies to; default CLIENT_AND_SERVER. */
export const workloadMode = z.enum(['CLIENT_AND_SERVER', 'CLIENT', 'SERVER']);
export type WorkloadMode = z.infer<typeof workloadMode>;
