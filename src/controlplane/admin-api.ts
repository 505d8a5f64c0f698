import { Hono } from 'hono';

export interface ControlPlaneEnv {
  MESH: DurableObjectNamespace<import('./durable-object.ts').MeshControlPlane>;
  MESHGATE_ADMIN_TOKEN?: string;
}

export function createAdminApp() {
  const app = new Hono<{ Bindings: ControlPlaneEnv }>();
  app.get('/healthz', async (c) => {
    const stub = c.env.MESH.get(c.env.MESH.idFromName('mesh'));
    return c.text(await stub.ping());
  });
  return app;
}
