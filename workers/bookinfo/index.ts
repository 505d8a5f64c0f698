// The bookinfo demo as the local runner needs it (Node only: not a Worker entry point).
// Each entry is one Worker to bundle from `scriptPath`; the runner binds it to both gateways
// under `binding` (the ServiceEntry endpoint `worker:<binding>` in examples/bookinfo/services.yaml)
// and binds the Worker's own `MESH_EGRESS` to the egress gateway.
import { fileURLToPath } from 'node:url';

export interface BookinfoWorker {
  /** Worker name (as in its wrangler.toml / wrangler env). */
  name: string;
  /** Absolute path of the TypeScript entry (a Hono app as the default export). */
  scriptPath: string;
  /** Service binding name on the gateways: ServiceEntry endpoint `worker:<binding>`. */
  binding: string;
  /** Plain-text vars for the Worker. */
  vars: Record<string, string>;
  /** Mesh host the Worker serves (ServiceEntry host), port 9080. */
  host: string;
  /** Labels of the ServiceEntry endpoint (DestinationRule subsets select on `version`). */
  labels: { app: string; version: string };
  /** Binding the Worker itself uses to reach the egress gateway. */
  egressBinding: 'MESH_EGRESS';
}

const entry = (dir: string): string => fileURLToPath(new URL(`./${dir}/index.ts`, import.meta.url));

export function bookinfoWorkers(): BookinfoWorker[] {
  const base = { MESH_NAMESPACE: 'default' };
  const w = (app: string, version: string, name: string, vars: Record<string, string> = {}): BookinfoWorker => ({
    name,
    scriptPath: entry(app),
    binding: `${app.toUpperCase()}_${version.toUpperCase()}`,
    vars: { ...base, ...vars },
    host: `${app}.default.svc.cluster.local`,
    labels: { app, version },
    egressBinding: 'MESH_EGRESS',
  });
  return [
    w('productpage', 'v1', 'bookinfo-productpage'),
    w('details', 'v1', 'bookinfo-details'),
    w('reviews', 'v1', 'bookinfo-reviews-v1', { VERSION: 'v1' }),
    w('reviews', 'v2', 'bookinfo-reviews-v2', { VERSION: 'v2' }),
    w('reviews', 'v3', 'bookinfo-reviews-v3', { VERSION: 'v3' }),
    w('ratings', 'v1', 'bookinfo-ratings'),
  ];
}
