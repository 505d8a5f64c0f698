import { parseDocument } from 'yaml';
import { pruneNulls } from '../../syntax/prune-nulls.ts';
import { z } from 'zod';
import { formatPath, type PathSegment } from '../../issues.ts';
import { fieldsAt } from '../../schema-nav.ts';
import { dns1123Label, exportTo } from '../../syntax/common.ts';
import { nearest } from '../../syntax/suggest.ts';
import { defineKind } from '../types.ts';
import { extensionProvider } from './extension-provider.ts';
import { meshHttpRetry } from './http-retry.ts';
import { meshgateSettings } from './meshgate-settings.ts';

// MeshConfig (istio/api mesh/v1alpha1/config.proto), the part meshgate reads, kept as Istio keeps
// it: the ConfigMap `istio` in `istio-system`, whose `data.mesh` is MeshConfig YAML. Istio's
// fields meshgate does not use are accepted with an info; other unknown names are errors.
// https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/

export { extensionProvider, envoyExtAuthzHttp, PROVIDER_TYPES } from './extension-provider.ts';
export type { ExtensionProvider, EnvoyExtAuthzHttpProvider } from './extension-provider.ts';
export { meshHttpRetry, RETRY_ON_POLICIES } from './http-retry.ts';
export type { MeshHTTPRetry } from './http-retry.ts';
export { meshgateSettings, trustedProxies } from './meshgate-settings.ts';
export type { MeshgateSettings, TrustedProxies } from './meshgate-settings.ts';

export const MESH_CONFIGMAP_NAMESPACE = 'istio-system';
export const MESH_CONFIGMAP_NAME = 'istio';

const TRUST_DOMAIN = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const trustDomain = z.string().superRefine((v, ctx) => {
  if (v === '') ctx.addIssue({ code: 'custom', message: 'empty trust domain not allowed' });
  else if (v.length > 255 || !TRUST_DOMAIN.test(v)) ctx.addIssue({ code: 'custom', message: `invalid trust domain "${v}": use letters, digits, '-', '_' and '.'` });
});

/** `outboundTrafficPolicy: {}` means REGISTRY_ONLY (enum 0); the whole object omitted ⇒ ALLOW_ANY (mesh default). */
export const outboundTrafficPolicyMode = z.enum(['REGISTRY_ONLY', 'ALLOW_ANY']);
export type OutboundTrafficPolicyMode = z.infer<typeof outboundTrafficPolicyMode>;

/** Omitted ⇒ meshgate's stricter default (BASE + merged slashes, escaped slashes rejected; DESIGN.md). */
export const pathNormalizationMode = z.enum(['DEFAULT', 'NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES']);
export type PathNormalizationMode = z.infer<typeof pathNormalizationMode>;

export const meshConfig = z
  .strictObject({
    outboundTrafficPolicy: z.strictObject({ mode: outboundTrafficPolicyMode.optional() }).optional(),
    /** Policies here apply mesh-wide; default `istio-system`. */
    rootNamespace: dns1123Label.optional(),
    /** SPIFFE trust domain; default `cluster.local`. */
    trustDomain: trustDomain.optional(),
    /** Other trust domains treated as this one in authorization. */
    trustDomainAliases: z.array(trustDomain).optional(),
    /** Routes without `retries`; unset ⇒ built-in default (attempts 2, connect-failure,refused-stream,unavailable,cancelled). */
    defaultHttpRetryPolicy: meshHttpRetry.optional(),
    pathNormalization: z.strictObject({ normalization: pathNormalizationMode.optional() }).optional(),
    /** Validated, not applied yet: NOT_APPLIED_MESH_FIELDS lists this and the other such fields. */
    accessLogFile: z.string().optional(),
    accessLogEncoding: z.enum(['TEXT', 'JSON']).optional(),
    /** Envoy format string; empty ⇒ Istio's default format. */
    accessLogFormat: z.string().optional(),
    enableTracing: z.boolean().optional(),
    /** ProxyConfig defaults; accepted as-is (meshgate reads nothing from it yet). */
    defaultConfig: z.record(z.string(), z.unknown()).optional(),
    extensionProviders: z.array(extensionProvider).optional(),
    /** Provider names used when a Telemetry names none. */
    defaultProviders: z
      .strictObject({ tracing: z.array(z.string()).optional(), metrics: z.array(z.string()).optional(), accessLogging: z.array(z.string()).optional() })
      .optional(),
    /** exportTo for resources that set none; default `["*"]`. */
    defaultVirtualServiceExportTo: exportTo({ allowNone: false }).optional(),
    defaultDestinationRuleExportTo: exportTo({ allowNone: false }).optional(),
    defaultServiceExportTo: exportTo({ allowNone: true }).optional(),
    /** Default true: send mTLS to peers that accept it. */
    enableAutoMtls: z.boolean().optional(),
    /** meshgate's own settings. */
    meshgate: meshgateSettings.optional(),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const [i, p] of (m.extensionProviders ?? []).entries()) {
      if (p.name && seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['extensionProviders', i, 'name'], message: `duplicate extension provider name ${p.name}` });
      seen.add(p.name);
    }
  });
export type MeshConfig = z.infer<typeof meshConfig>;

interface MeshIssue {
  path: PathSegment[];
  message: string;
}

/**
 * MeshConfig fields (config.proto) meshgate accepts and does not read: sidecar, ingress-controller,
 * CA and cluster settings that an installed mesh's ConfigMap carries. They are reported with an
 * info, so a pasted ConfigMap applies; any other unknown name is an error (usually a typo).
 */
const UNUSED_MESH_FIELDS = new Set([
  'proxyListenPort', 'proxyInboundListenPort', 'proxyHttpPort', 'connectTimeout', 'protocolDetectionTimeout', 'tcpKeepalive',
  'ingressClass', 'ingressService', 'ingressControllerMode', 'ingressSelector', 'enableEnvoyAccessLogService', 'disableEnvoyListenerLog',
  'inboundTrafficPolicy', 'configSources', 'caCertificates', 'localityLbSetting', 'dnsRefreshRate', 'h2UpgradePolicy',
  'inboundClusterStatName', 'outboundClusterStatName', 'certificates', 'serviceSettings', 'enablePrometheusMerge',
  'verifyCertificateAtClient', 'ca', 'discoverySelectors', 'meshMTLS', 'tlsDefaults', 'serviceScopeConfigs', 'thriftConfig',
]);

/**
 * MeshConfig fields meshgate validates (so a typo inside them is still an error) and does not
 * apply yet: access logs, tracing, telemetry defaults, ProxyConfig and auto mTLS.
 */
const NOT_APPLIED_MESH_FIELDS = new Set(['accessLogFile', 'accessLogEncoding', 'accessLogFormat', 'enableTracing', 'defaultConfig', 'defaultProviders', 'enableAutoMtls']);

/** The MeshConfig fields in `text` that meshgate accepts and does not read (see UNUSED_MESH_FIELDS, NOT_APPLIED_MESH_FIELDS). */
export function unusedMeshFields(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const v: unknown = parseDocument(text, { uniqueKeys: true, prettyErrors: false }).toJS({ maxAliasCount: 100 });
    return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).filter((k) => UNUSED_MESH_FIELDS.has(k) || NOT_APPLIED_MESH_FIELDS.has(k)) : [];
  } catch {
    return [];
  }
}

/** Parses and validates MeshConfig YAML; issues carry paths inside the MeshConfig. */
export function readMeshConfig(text: string | undefined): { config?: MeshConfig; issues: MeshIssue[] } {
  if (text === undefined) return { config: {}, issues: [] };
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) return { issues: [{ path: [], message: `invalid MeshConfig YAML: ${doc.errors[0]!.message.split('\n')[0]}` }] };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { issues: [{ path: [], message: `invalid MeshConfig YAML: ${(e as Error).message}` }] };
  }
  if (value === null || value === undefined) return { config: {}, issues: [] };
  if (typeof value !== 'object' || Array.isArray(value)) return { issues: [{ path: [], message: 'data.mesh must hold MeshConfig as a YAML mapping (e.g. "outboundTrafficPolicy:\\n  mode: REGISTRY_ONLY")' }] };
  const r = meshConfig.safeParse(Object.fromEntries(Object.entries(pruneNulls(value) as Record<string, unknown>).filter(([k]) => !UNUSED_MESH_FIELDS.has(k))));
  if (r.success) return { config: r.data, issues: [] };
  const issues: MeshIssue[] = [];
  for (const zi of r.error.issues) {
    const path = zi.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (zi.code === 'unrecognized_keys') {
      const known = [...(fieldsAt(meshConfig, path) ?? []), ...(path.length === 0 ? UNUSED_MESH_FIELDS : [])];
      for (const key of zi.keys) {
        const near = nearest(key, known);
        issues.push({ path: [...path, key], message: `unknown field "${key}"${near ? ` (did you mean "${near}"?)` : ''}${path.length === 0 ? '; meshgate reads only the MeshConfig fields it implements' : ''}` });
      }
    } else if (zi.code === 'invalid_type') {
      const got = zi.message.match(/received (\w+)/)?.[1];
      issues.push({ path, message: got === 'undefined' ? `required field is missing (expected ${zi.expected})` : `expected ${zi.expected}${got ? `, got ${got}` : ''}` });
    } else if (zi.code === 'invalid_value') {
      issues.push({ path, message: `invalid value; expected one of ${zi.values.map((v) => JSON.stringify(v)).join(', ')}` });
    } else {
      issues.push({ path, message: zi.message });
    }
  }
  return { issues };
}

/** The MeshConfig in a `data.mesh` string (`{}` when absent); throws when it does not validate. */
export function parseMeshConfig(text: string | undefined): MeshConfig {
  const { config, issues } = readMeshConfig(text);
  if (config) return config;
  throw new Error(`invalid MeshConfig: ${issues.map((i) => `${formatPath(['data', 'mesh', ...i.path])}: ${i.message}`).join('; ')}`);
}

/** The ConfigMap body: `mesh` (MeshConfig YAML) and `meshNetworks` (accepted, unused). */
export const meshConfigMapData = z
  .strictObject({
    // A string, as in Kubernetes; a nested mapping gets a hint instead of a bare type error.
    mesh: z
      .custom<string>((v) => typeof v === 'string', {
        error: (iss) => `data.mesh must be a string holding MeshConfig YAML (write \`mesh: |\` and indent the YAML below it), got ${iss.input === null ? 'null' : Array.isArray(iss.input) ? 'a list' : typeof iss.input}`,
      })
      .optional(),
    /** Istio's multi-network topology; meshgate has one network and ignores it. */
    meshNetworks: z.string().optional(),
  })
  .superRefine((d, ctx) => {
    // Nested issues point at `mesh` itself for their line; the path names the MeshConfig field.
    for (const i of readMeshConfig(d.mesh).issues) ctx.addIssue({ code: 'custom', path: ['mesh', ...i.path], message: i.message });
  });
export type MeshConfigMapData = z.infer<typeof meshConfigMapData>;

/** The `istio` ConfigMap in the root namespace; `data.mesh` holds MeshConfig YAML. */
export const meshConfigMap = defineKind({
  group: '',
  kind: 'ConfigMap',
  versions: ['v1'],
  plural: 'configmaps',
  shortNames: ['cm'],
  body: 'data',
  spec: meshConfigMapData,
  check: (r, report) => {
    const { namespace, name } = r.metadata;
    for (const f of unusedMeshFields(r.spec.mesh)) report(['data', 'mesh', f], `${f} has no effect at meshgate's gateways (accepted so an installed mesh's ConfigMap applies as it is)`, 'info');
    // trustedProxies only says whose client-certificate header to believe: without one, nothing.
    const tp = readMeshConfig(r.spec.mesh).config?.meshgate?.trustedProxies;
    if (tp?.cidrs?.length && (tp.clientCertHeader ?? 'none') === 'none') {
      report(['data', 'mesh', 'meshgate', 'trustedProxies', 'clientCertHeader'], 'trustedProxies has no effect without clientCertHeader (xfcc or rfc9440): it names the header through which those proxies pass the client certificate', 'warning');
    }
    if (namespace === MESH_CONFIGMAP_NAMESPACE && name === MESH_CONFIGMAP_NAME) return;
    report(['metadata', namespace !== MESH_CONFIGMAP_NAMESPACE ? 'namespace' : 'name'], `ConfigMap ${namespace}/${name} is not accepted: meshgate reads mesh-wide settings only from ConfigMap ${MESH_CONFIGMAP_NAMESPACE}/${MESH_CONFIGMAP_NAME} (data.mesh holds the MeshConfig YAML)`);
  },
});
