import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { parseMeshConfig, type ExtensionProvider, type MeshConfig } from '../../../../src/config/kinds/mesh/mesh-config.ts';

const cm = (mesh: string, meta = 'name: istio, namespace: istio-system') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {${meta}}\ndata:\n  mesh: |\n${mesh.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n`;
const issues = (yaml: string) => loadManifest(yaml).issues.map((i) => [i.severity, i.path, i.message]);
const errors = (mesh: string) => loadManifest(cm(mesh)).issues.map((i) => [i.path, i.message]);

describe('MeshConfig ConfigMap', () => {
  test('istio-system/istio with the fields meshgate reads loads; parseMeshConfig returns them as written', () => {
    const mesh = `
outboundTrafficPolicy: {mode: REGISTRY_ONLY}
rootNamespace: istio-system
trustDomain: cluster.local
trustDomainAliases: [old.example]
defaultHttpRetryPolicy: {attempts: 2, perTryTimeout: 1s, retryOn: "5xx,503", retryRemoteLocalities: false, retryIgnorePreviousHosts: true, backoff: 25ms}
pathNormalization: {normalization: DECODE_AND_MERGE_SLASHES}
accessLogFile: /dev/stdout
accessLogEncoding: TEXT
accessLogFormat: "[%START_TIME%] %REQ(:METHOD)%"
enableTracing: false
defaultConfig: {holdApplicationUntilProxyStarts: true}
extensionProviders:
- name: authz
  envoyExtAuthzHttp: {service: authz.foo.svc.cluster.local, port: 8000, timeout: 1s, failOpen: true, statusOnError: "500", headersToDownstreamOnDeny: [set-cookie]}
- {name: otel, opentelemetry: {service: otel.istio-system.svc.cluster.local, port: 4317}}
defaultVirtualServiceExportTo: ["."]
defaultDestinationRuleExportTo: ["*"]
defaultServiceExportTo: ["~"]
enableAutoMtls: false
meshgate: {mirrorHostSuffix: true, refreshIntervalMs: 1000, trustedProxies: {cidrs: [10.0.0.0/8], clientCertHeader: rfc9440}, retryBufferBytes: 0, internalHeaderOverrides: false}
`;
    const r = loadManifest(cm(mesh));
    // Validated and stored, but not applied yet: each named with an info.
    expect(r.issues.map((i) => [i.severity, i.path])).toEqual(['accessLogFile', 'accessLogEncoding', 'accessLogFormat', 'enableTracing', 'defaultConfig', 'enableAutoMtls'].map((f) => ['info', `data.mesh.${f}`]));
    const text = (r.resources[0]!.resource.spec as { mesh: string }).mesh;
    const config: MeshConfig = parseMeshConfig(text);
    expect(config.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    expect(config.defaultHttpRetryPolicy?.perTryTimeout).toBe('1s');
    const authz: ExtensionProvider = config.extensionProviders![0]!;
    expect(authz.envoyExtAuthzHttp?.port).toBe(8000);
    expect(config.meshgate?.trustedProxies?.clientCertHeader).toBe('rfc9440');
    expect(parseMeshConfig(undefined)).toEqual({});
    expect(parseMeshConfig('')).toEqual({});
    expect(() => parseMeshConfig('bogus: 1')).toThrow('invalid MeshConfig: data.mesh.bogus: unknown field "bogus"');
    expect(issues('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata: {}\n')).toEqual([]);
    expect(issues('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\n')).toEqual([]);
  });

  test('trustedProxies without a clientCertHeader is warned about: it would do nothing', () => {
    const warned = (tp: string) => loadManifest(cm(`meshgate: {trustedProxies: ${tp}}`)).issues.map((i) => [i.severity, i.path]);
    expect(warned('{cidrs: [10.0.0.0/8]}')).toEqual([['warning', 'data.mesh.meshgate.trustedProxies.clientCertHeader']]);
    expect(warned('{cidrs: [10.0.0.0/8], clientCertHeader: none}')).toEqual([['warning', 'data.mesh.meshgate.trustedProxies.clientCertHeader']]);
    expect(warned('{cidrs: [10.0.0.0/8], clientCertHeader: xfcc}')).toEqual([]);
    expect(warned('{cidrs: []}')).toEqual([]);
  });

  test('only ConfigMap istio-system/istio is accepted', () => {
    expect(issues(cm('rootNamespace: istio-system', 'name: my-config, namespace: istio-system'))).toEqual([
      ['error', 'metadata.name', 'ConfigMap istio-system/my-config is not accepted: meshgate reads mesh-wide settings only from ConfigMap istio-system/istio (data.mesh holds the MeshConfig YAML)'],
    ]);
    expect(issues(cm('rootNamespace: istio-system', 'name: istio'))).toEqual([
      ['error', 'metadata.namespace', 'ConfigMap default/istio is not accepted: meshgate reads mesh-wide settings only from ConfigMap istio-system/istio (data.mesh holds the MeshConfig YAML)'],
    ]);
  });

  test('unknown MeshConfig fields are errors naming data.mesh.<field>, with the line of mesh:', () => {
    const r = loadManifest(cm('enableTracing: true\nbogusSetting: {enabled: true}\nenableAutoMtl: true'));
    expect(r.issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['data.mesh.bogusSetting', 5, 'unknown field "bogusSetting"; meshgate reads only the MeshConfig fields it implements'],
      ['data.mesh.enableAutoMtl', 5, 'unknown field "enableAutoMtl" (did you mean "enableAutoMtls"?); meshgate reads only the MeshConfig fields it implements'],
    ]);
    expect(errors('defaultHttpRetryPolicy: {attempt: 1}')).toEqual([['data.mesh.defaultHttpRetryPolicy.attempt', 'unknown field "attempt" (did you mean "attempts"?)']]);
    expect(issues('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata: {mesh: "a: [", foo: bar}\n').map((i) => i[1])).toEqual(['data.foo', 'data.mesh']);
  });

  test("Istio's MeshConfig fields meshgate does not read apply with an info (an installed mesh's ConfigMap)", () => {
    const r = loadManifest(cm('accessLogFile: /dev/stdout\nenablePrometheusMerge: true\nlocalityLbSetting: {enabled: true}\ndefaultConfig: {discoveryAddress: "istiod.istio-system.svc:15012"}\nrootNamespace: istio-system'));
    expect(r.resources).toHaveLength(1);
    expect(r.issues.map((i) => [i.severity, i.path])).toEqual([['info', 'data.mesh.accessLogFile'], ['info', 'data.mesh.enablePrometheusMerge'], ['info', 'data.mesh.localityLbSetting'], ['info', 'data.mesh.defaultConfig']]);
    expect(parseMeshConfig('enablePrometheusMerge: true\nrootNamespace: mesh-root').rootNamespace).toBe('mesh-root');
  });

  test('field rules: types, enums, retry policy, providers, meshgate block', () => {
    expect(errors('outboundTrafficPolicy: {mode: ALLOW_ANY_DYNAMIC_DNS}')).toEqual([['data.mesh.outboundTrafficPolicy.mode', 'invalid value; expected one of "REGISTRY_ONLY", "ALLOW_ANY"']]);
    expect(errors('trustDomainAliases: "a"')).toEqual([['data.mesh.trustDomainAliases', 'expected array, got string']]);
    expect(errors('accessLogEncoding: YAML')).toEqual([['data.mesh.accessLogEncoding', 'invalid value; expected one of "TEXT", "JSON"']]);
    expect(errors('defaultHttpRetryPolicy: {attempts: 0, perTryTimeout: 1s}')).toEqual([['data.mesh.defaultHttpRetryPolicy.attempts', 'http retry policy configured when attempts are set to 0 (disabled)']]);
    expect(errors('defaultHttpRetryPolicy: {attempts: 1.5}')).toEqual([['data.mesh.defaultHttpRetryPolicy.attempts', expect.stringContaining('int')]]);
    expect(errors('defaultHttpRetryPolicy: {attempts: 2, retryOn: "reset,5xx,retriable-4xx,429,600"}')).toEqual([['data.mesh.defaultHttpRetryPolicy.retryOn', '"600" is not a valid retryOn policy']]);
    expect(errors('defaultHttpRetryPolicy: {attempts: 2, backoff: 10}')).toEqual([['data.mesh.defaultHttpRetryPolicy.backoff', 'expected string, got number']]);
    expect(errors('extensionProviders: [{name: a, envoyExtAuthzHttp: {service: "bad host!", port: 80}}]')).toEqual([['data.mesh.extensionProviders[0].envoyExtAuthzHttp.service', expect.stringMatching(/^invalid service fmt bad host!/)]]);
    expect(errors('extensionProviders: [{name: a, envoyExtAuthzHttp: {service: a.b.svc.cluster.local}}]')).toEqual([['data.mesh.extensionProviders[0].envoyExtAuthzHttp.port', 'required field is missing (expected number)']]);
    expect(errors('extensionProviders: [{name: a, envoyExtAuthzHttp: {service: a.b, port: 80, statusOnError: abc}}]')).toEqual([['data.mesh.extensionProviders[0].envoyExtAuthzHttp.statusOnError', 'invalid statusOnError value abc: not a number']]);
    expect(errors('extensionProviders: [{name: a, prometheus: {}}, {name: a, prometheus: {}}]')).toEqual([['data.mesh.extensionProviders[1].name', 'duplicate extension provider name a']]);
    expect(errors('meshgate: {retryBufferBytes: -1, refreshIntervalMs: 1.5}')).toEqual([
      ['data.mesh.meshgate.refreshIntervalMs', 'refreshIntervalMs must be a whole number of milliseconds'],
      ['data.mesh.meshgate.retryBufferBytes', 'retryBufferBytes cannot be negative'],
    ]);
    expect(errors('defaultServiceExportTo: ["~", "foo"]')).toEqual([['data.mesh.defaultServiceExportTo', 'cannot export service entry to no one (~) and someone']]);
    expect(errors('defaultVirtualServiceExportTo: ["~"]')).toEqual([['data.mesh.defaultVirtualServiceExportTo[0]', 'exportTo "~" is only allowed for ServiceEntry']]);
    expect(issues('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh:\n    enableTracing: true\n')).toEqual([
      ['error', 'data.mesh', 'data.mesh must be a string holding MeshConfig YAML (write `mesh: |` and indent the YAML below it), got object'],
    ]);
    expect(errors('- a')).toEqual([['data.mesh', expect.stringContaining('must hold MeshConfig as a YAML mapping')]]);
    expect(errors('a: 1\na: 2')).toEqual([['data.mesh', expect.stringContaining('invalid MeshConfig YAML')]]);
  });
});
