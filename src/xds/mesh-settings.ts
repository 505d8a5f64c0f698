import type { MeshConfig } from '../config/kinds/mesh/mesh-config.ts';

// MeshConfig with Istio's defaults applied (pkg/config/mesh/mesh.go DefaultMeshConfig) and
// meshgate's own settings, in the form the translator reads.

export interface MeshSettings {
  rootNamespace: string;
  trustDomain: string;
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  defaultHttpRetryPolicy: MeshConfig['defaultHttpRetryPolicy'];
  pathNormalization: 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES' | 'MESHGATE_DEFAULT';
  defaultVirtualServiceExportTo: string[];
  defaultDestinationRuleExportTo: string[];
  defaultServiceExportTo: string[];
  /** Mirrors get `<host>-shadow` as Host (Istio ≤1.27), unless turned off. */
  mirrorHostSuffix: boolean;
  /** MeshConfig `meshgate:` settings the gateways' listeners carry (`meshgate.listener`). */
  retryBufferBytes?: number;
  internalHeaderOverrides?: boolean;
  refreshIntervalMs?: number;
  extensionProviders: NonNullable<MeshConfig['extensionProviders']>;
  config: MeshConfig;
}

export function meshSettings(config: MeshConfig): MeshSettings {
  const norm = config.pathNormalization?.normalization;
  return {
    rootNamespace: config.rootNamespace ?? 'istio-system',
    trustDomain: config.trustDomain ?? 'cluster.local',
    // An object without `mode` is REGISTRY_ONLY (enum 0); only an absent object means Istio's default ALLOW_ANY.
    outboundTrafficPolicy: config.outboundTrafficPolicy ? (config.outboundTrafficPolicy.mode ?? 'REGISTRY_ONLY') : 'ALLOW_ANY',
    defaultHttpRetryPolicy: config.defaultHttpRetryPolicy,
    // meshgate's default is stricter than Istio's (DESIGN.md): BASE + merged slashes, escaped
    // slashes rejected. An explicit mode (DEFAULT = BASE) is honoured as Istio does.
    pathNormalization: norm === undefined ? 'MESHGATE_DEFAULT' : norm === 'DEFAULT' ? 'BASE' : norm,
    defaultVirtualServiceExportTo: config.defaultVirtualServiceExportTo ?? ['*'],
    defaultDestinationRuleExportTo: config.defaultDestinationRuleExportTo ?? ['*'],
    defaultServiceExportTo: config.defaultServiceExportTo ?? ['*'],
    mirrorHostSuffix: config.meshgate?.mirrorHostSuffix ?? true,
    ...(config.meshgate?.retryBufferBytes !== undefined ? { retryBufferBytes: config.meshgate.retryBufferBytes } : {}),
    ...(config.meshgate?.internalHeaderOverrides !== undefined ? { internalHeaderOverrides: config.meshgate.internalHeaderOverrides } : {}),
    ...(config.meshgate?.refreshIntervalMs !== undefined ? { refreshIntervalMs: config.meshgate.refreshIntervalMs } : {}),
    extensionProviders: config.extensionProviders ?? [],
    config,
  };
}
