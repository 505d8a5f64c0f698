// The control-plane worker: the admin API and xDS in front of the MeshControlPlane Durable Object.
export { MeshControlPlane } from '../../src/controlplane/durable-object.ts';
import { createAdminApp } from '../../src/controlplane/admin-api.ts';

export default createAdminApp();
