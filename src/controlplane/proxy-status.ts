import { z } from 'zod';
import { Node } from '../xds/protocol.ts';

// What the control plane knows about each proxy, as istiod keeps it per connection (NonceSent,
// NonceAcked, LastError): which version it was sent, which it applied, what it rejected. A zod
// schema because it is also read back from storage (proxy-state-store.ts).
const versions = z.record(z.string(), z.string());
export const ProxyState = z.object({
  node: Node,
  lastSeen: z.number(),
  sentVersion: z.string().optional(),
  sentNonce: z.string().optional(),
  sentTypeVersions: versions.optional(),
  sentAt: z.number().optional(),
  /** The mesh config version (apply's `version`) the sent / applied snapshot was generated from. */
  sentConfigVersion: z.number().optional(),
  ackedVersion: z.string().optional(),
  ackedConfigVersion: z.number().optional(),
  ackedTypeVersions: versions.optional(),
  ackedAt: z.number().optional(),
  /** Versions this proxy rejected: never sent to it again (istiod ShouldRespond). */
  rejected: z.array(z.string()),
  lastNack: z.object({ version: z.string(), error: z.string(), at: z.number() }).optional(),
});
export type ProxyState = z.infer<typeof ProxyState>;

export type SyncStatus = 'SYNCED' | 'STALE' | 'NOT SENT';

export interface SyncRow {
  proxy: string;
  role: Node['role'];
  namespace: string;
  version?: string;
  latest?: string;
  /** The config version (as `POST /v1/apply` returns it) the applied snapshot reflects, when known. */
  configVersion?: string;
  status: SyncStatus;
  types: Record<string, { sent?: string; acked?: string; status: SyncStatus }>;
  lastNack?: ProxyState['lastNack'];
  lastSeen: string;
}

/** SYNCED: applied the newest snapshot; STALE: sent something newer, or newer exists; NOT SENT: nothing yet. */
export function syncRow(s: ProxyState, latest: { version: string; config_version: number; type_versions: Record<string, string> } | undefined): SyncRow {
  const status: SyncStatus = !s.sentVersion ? 'NOT SENT' : s.ackedVersion === s.sentVersion && (!latest || latest.version === s.ackedVersion || s.rejected.includes(latest.version)) ? 'SYNCED' : 'STALE';
  const types: SyncRow['types'] = {};
  for (const [t, v] of Object.entries(latest?.type_versions ?? s.sentTypeVersions ?? {})) {
    const sent = s.sentTypeVersions?.[t];
    const acked = s.ackedTypeVersions?.[t];
    types[t] = { sent, acked, status: !sent ? 'NOT SENT' : acked === v || (acked === sent && status === 'SYNCED') ? 'SYNCED' : 'STALE' };
  }
  return {
    proxy: s.node.id,
    role: s.node.role,
    namespace: s.node.namespace,
    version: s.ackedVersion,
    latest: latest?.version,
    // Running the newest snapshot means running the newest config, even when that config changed nothing for this proxy.
    ...(latest && s.ackedVersion === latest.version ? { configVersion: String(latest.config_version) } : s.ackedConfigVersion !== undefined ? { configVersion: String(s.ackedConfigVersion) } : {}),
    status,
    types,
    ...(s.lastNack ? { lastNack: s.lastNack } : {}),
    lastSeen: new Date(s.lastSeen).toISOString(),
  };
}
