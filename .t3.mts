import { startMesh } from './src/cli/dev/mesh.ts';
import { readdirSync } from 'node:fs';
for (const d of [300, 1200, 2000]) {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), d);
  const t0 = Date.now();
  try { await startMesh({ adminPort: 0, ingressPort: 0, egressPort: 0, signal: ac.signal, entries: { 'ingress-gateway': 'test/e2e/harness/stub/ingress.ts', 'egress-gateway': 'test/e2e/harness/stub/egress.ts' }, log: (l) => console.log(Date.now() - t0, l) }); console.log('started?'); }
  catch (e) { console.log(d, (e as Error).name, Date.now() - t0, readdirSync('/tmp').filter((f) => f.startsWith('meshgate-dev'))); }
}
