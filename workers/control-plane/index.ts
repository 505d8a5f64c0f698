// The control-plane worker: the admin API (HTTP, token-authenticated) and the xDS service
// (RPC entrypoint, reachable only over service bindings) in front of the MeshControlPlane
// Durable Object.
import { WorkerEntrypoint } from 'cloudflare:workers';
import { createAdminApp, meshStub, type ControlPlaneEnv } from '../../src/controlplane/admin-api.ts';

export { MeshControlPlane } from '../../src/controlplane/durable-object.ts';

/** What gateways bind to: `[[services]] binding = "XDS" service = "meshgate-control-plane" entrypoint = "XdsService"`. */
export class XdsService extends WorkerEntrypoint<ControlPlaneEnv> {
  async discover(request: unknown) {
    return meshStub(this.env).discover(request);
  }
}

export default createAdminApp();
