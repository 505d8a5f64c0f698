import { z } from 'zod';
import { Snapshot } from './snapshot.ts';

// The discovery protocol between a gateway and the control plane: xDS semantics (node, versions,
// nonce, ACK/NACK with error_detail, delta) over one request/response per poll, carried by a
// service binding (or the ADS WebSocket). https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol

export const Node = z.strictObject({
  id: z.string().min(1),
  role: z.enum(['ingress', 'egress']),
  namespace: z.string().default('istio-system'),
  labels: z.record(z.string(), z.string()).default({}),
});
export type Node = z.infer<typeof Node>;

/** Node id prefix of `meshgate proxy-config --watch` streams: observers, not proxies (never kept across restarts, not listed by proxy-status). */
export const WATCH_NODE_PREFIX = 'meshgate-cli-watch~';

export const DiscoveryRequest = z.strictObject({
  node: Node,
  /**
   * The requesting isolate's stream (random per isolate): every isolate of a gateway shares its
   * node id, but ACK/NACK state is per stream in xDS. A version is withheld only from the stream
   * that rejected it.
   */
  stream: z.string().min(1).max(64).optional(),
  /** Snapshot version the proxy has applied (ACKed); absent on first contact. */
  version_info: z.string().optional(),
  /** Nonce of the response this request answers (ACK or NACK). */
  response_nonce: z.string().optional(),
  /** Present ⇒ NACK: the response with `response_nonce` was rejected for this reason. */
  error_detail: z.strictObject({ message: z.string() }).optional(),
  /** Ask for a delta against the versions the proxy holds (per type, per resource). */
  delta: z.boolean().optional(),
  resource_versions: z.record(z.string(), z.record(z.string(), z.string())).optional(),
});
export type DiscoveryRequest = z.infer<typeof DiscoveryRequest>;

export const DeltaTypeUpdate = z.strictObject({
  type_url: z.string(),
  resources: z.array(z.strictObject({ name: z.string(), version: z.string(), resource: z.unknown() })),
  removed_resources: z.array(z.string()),
});
export type DeltaTypeUpdate = z.infer<typeof DeltaTypeUpdate>;

export const DiscoveryResponse = z.discriminatedUnion('kind', [
  /** The proxy already holds the newest version it may have (or the newest was NACKed). */
  z.strictObject({ kind: z.literal('not-modified'), version_info: z.string() }),
  z.strictObject({ kind: z.literal('full'), nonce: z.string(), snapshot: Snapshot }),
  z.strictObject({
    kind: z.literal('delta'),
    nonce: z.string(),
    version_info: z.string(),
    config_version: z.number().int(),
    type_versions: z.record(z.string(), z.string()),
    /** In make-before-break order: clusters, endpoints, listeners, routes, secrets. */
    updates: z.array(DeltaTypeUpdate),
  }),
]);
export type DiscoveryResponse = z.infer<typeof DiscoveryResponse>;
