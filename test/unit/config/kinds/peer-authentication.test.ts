import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import type { PeerAuthenticationSpec } from '../../../../src/config/kinds/security/peer-authentication.ts';

const doc = (spec: string, ns = 'foo') => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: ${ns}}\nspec:\n${spec}`;
const issues = (yaml: string) => loadManifest(yaml).issues.map((i) => [i.severity, i.path, i.message]);

describe('PeerAuthentication', () => {
  test('mesh, namespace and workload policies load and keep values as written', () => {
    const r = loadManifest(doc('  selector:\n    matchLabels: {app: finance}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}\n    "9090": {}\n'));
    expect(r.issues).toEqual([]);
    const spec = r.resources[0]!.resource.spec as PeerAuthenticationSpec;
    expect(spec).toEqual({ selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE' }, '9090': {} } });
    expect(issues(doc('  mtls:\n    mode: UNSET\n', 'istio-system'))).toEqual([]);
    expect(issues('apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec: {}\n')).toEqual([]);
  });

  test('portLevelMtls needs a selector, an entry, and ports in range', () => {
    expect(issues(doc('  portLevelMtls:\n    8080: {mode: DISABLE}\n'))).toEqual([['error', 'spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS']]);
    expect(issues(doc('  selector: {matchLabels: {}}\n  portLevelMtls: {8080: {mode: DISABLE}}\n'))).toContainEqual(['error', 'spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS']);
    expect(issues(doc('  selector: {matchLabels: {app: a}}\n  portLevelMtls: {}\n'))).toEqual([['error', 'spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element']]);
    expect(issues(doc('  selector: {matchLabels: {app: a}}\n  portLevelMtls: {0: {mode: STRICT}, 65536: {mode: STRICT}, http: {}}\n'))).toEqual([
      ['error', 'spec.portLevelMtls["0"]', 'port must be in range 1..65535 (got "0")'],
      ['error', 'spec.portLevelMtls["65536"]', 'port must be in range 1..65535 (got "65536")'],
      ['error', 'spec.portLevelMtls.http', 'port must be in range 1..65535 (got "http")'],
    ]);
  });

  test('mode enum, selector rules, unknown fields, empty-selector warning', () => {
    expect(issues(doc('  mtls: {mode: strict}\n'))).toEqual([['error', 'spec.mtls.mode', 'invalid value; expected one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"']]);
    expect(issues(doc('  selector: {matchLabels: {app: "*"}}\n'))).toContainEqual(['error', 'spec.selector.matchLabels.app', 'wildcard is not supported in selector']);
    expect(issues(doc('  mtls: {mode: STRICT}\n  portLevelTls: {}\n'))).toEqual([['error', 'spec.portLevelTls', 'unknown field "portLevelTls" (did you mean "portLevelMtls"?)']]);
    const r = loadManifest(doc('  selector: {}\n  mtls: {mode: STRICT}\n'));
    expect(r.resources).toHaveLength(1);
    expect(r.issues.map((i) => [i.severity, i.path, i.message])).toEqual([['warning', 'spec.selector', 'workload selector specified without labels']]);
  });
});
