import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bookinfoWorkers } from '../../../workers/bookinfo/index.ts';
import { bundleWorkers, REPO_ROOT } from './bundle.ts';
import type { ServiceTarget, WorkerOptions } from './mesh.ts';

// The bookinfo demo for `meshgate dev`: the four services (reviews in three versions) bundled as
// Workers, bound to both gateways as the `worker:BINDING` endpoints examples/bookinfo/services.yaml
// names, each calling the others through the egress gateway (meshFetch), plus the manifests that
// make the page work: the services, the gateway and its VirtualService, the subsets.

export const DEMO_MANIFESTS = ['examples/bookinfo/services.yaml', 'examples/bookinfo/bookinfo-gateway.yaml', 'examples/bookinfo/destination-rule-all.yaml'];

export interface Demo {
  workers: WorkerOptions[];
  bindings: Record<string, ServiceTarget>;
  manifests: { source: string; text: string }[];
}

export async function bookinfoDemo(buildDir: string): Promise<Demo> {
  const services = bookinfoWorkers();
  const { files } = await bundleWorkers(buildDir, Object.fromEntries(services.map((s) => [s.name, s.scriptPath])));
  return {
    workers: services.map((s) => ({
      name: s.name,
      modules: true,
      modulesRoot: path.dirname(files[s.name]!),
      scriptPath: files[s.name]!,
      compatibilityDate: '2026-04-20',
      compatibilityFlags: ['nodejs_compat'],
      bindings: s.vars,
      serviceBindings: { [s.egressBinding]: 'egress-gateway' },
    })),
    bindings: Object.fromEntries(services.map((s) => [s.binding, s.name])),
    manifests: DEMO_MANIFESTS.map((f) => ({ source: f, text: readFileSync(path.join(REPO_ROOT, f), 'utf8') })),
  };
}
