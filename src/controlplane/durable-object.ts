import { DurableObject } from 'cloudflare:workers';

/** The mesh's single writer (istiod): config store, translator and xDS server. */
export class MeshControlPlane extends DurableObject {
  async ping(): Promise<string> {
    return 'pong';
  }
}
