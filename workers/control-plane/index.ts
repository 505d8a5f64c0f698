// The control-plane worker: the admin API (HTTP, token-authenticated) and the xDS service
// (RPC entrypoint, reachable only over service bindings) in front of the MeshControlPlane
// Durable Object.
import { WorkerEntrypoint } from 'cloudflare:workers';
import { createAdminApp, meshStub, type ControlPlaneEnv } from '../../src/controlplane/admin-api.ts';
import type { IdentityTokenResult } from '../../src/mtls/workload-identity.ts';

export { MeshControlPlane } from '../../src/controlplane/durable-object.ts';

/** What gateways bind to: `[[services]] binding = "XDS" service = "meshgate-control-plane" entrypoint = "XdsService"`. */
export class XdsService extends WorkerEntrypoint<ControlPlaneEnv> {
  async discover(request: unknown) {
    return meshStub(this.env).discover(request);
  }

  /**
   * A JWT-SVID for the Worker holding this bootstrap secret (meshFetch calls it over its
   * `MESH_IDENTITY` binding): `{ok: true, token, expiresAt, spiffeId}` or `{ok: false, error}`.
   */
  async identityToken(secret: string, audience?: string): Promise<IdentityTokenResult> {
    if (typeof secret !== 'string' || (audience !== undefined && typeof audience !== 'string')) return { ok: false, error: 'identityToken(secret: string, audience?: string)' };
    return (await meshStub(this.env).identityToken(secret, audience)) as IdentityTokenResult;
  }
}

export default createAdminApp();
