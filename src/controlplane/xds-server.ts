import type { Resource } from '../config/meta.ts';
import { buildPushContext, type PushContext } from '../xds/push-context.ts';
import { generateSnapshot } from '../xds/generate.ts';
import { diffSnapshot } from '../xds/delta.ts';
import { WATCH_NODE_PREFIX, type DiscoveryRequest, type DiscoveryResponse, type Node } from '../xds/protocol.ts';
import type { Snapshot } from '../xds/snapshot.ts';
import { syncRow, type ProxyState, type SyncRow } from './proxy-status.ts';
import type { ProxyStatePersistence } from './proxy-state-store.ts';

// Serving snapshots (Istio pilot/pkg/xds, go-control-plane pkg/server): one push context per
// config version, one snapshot per proxy class (role, namespace, labels) per config version,
// generated lazily and cached — never per discovery request. A NACKed version is not re-sent to
// the stream (isolate) that rejected it.

/** Bounds the memory of rejecting isolates kept per rejected version. */
const MAX_STREAMS_PER_VERSION = 1024;
/**
 * Streams (isolates) remembered per node with the response each is to answer: an isolate has one
 * response outstanding at a time, so hundreds of isolates interleaving never lose their ACKs or
 * NACKs, as a node-wide ring of recent sends did.
 */
const MAX_STREAMS_PER_NODE = 4096;
/** Responses remembered per node for requests without a stream (the WebSocket, older gateways). */
const MAX_RECENT_SENDS = 64;

interface Sent {
  version: string;
  typeVersions?: Record<string, string>;
  configVersion?: number;
}

const proxyClass = (n: Node) => `${n.role}|${n.namespace}|${Object.entries(n.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}`;

export interface ClassSnapshot {
  snapshot?: Snapshot;
  /** Generation error for this class at this config version (the last good snapshot keeps serving). */
  error?: string;
  warnings: string[];
}

export class XdsServer {
  private push?: PushContext;
  private readonly snapshots = new Map<string, Promise<ClassSnapshot>>();
  /** Last good snapshot per class, served when a newer config fails to generate. */
  private readonly lastGood = new Map<string, Snapshot>();
  readonly proxies = new Map<string, ProxyState>();
  /** Per node id: rejected version → the streams (isolates) that rejected it. In memory only. */
  private readonly rejectedBy = new Map<string, Map<string, Set<string>>>();
  /** Per node id: each stream's last response (nonce and what it carried), so its ACK or NACK finds it. In memory only. */
  private readonly sentToStream = new Map<string, Map<string, { nonce: string; sent: Sent }>>();
  /** Per node id: the last responses sent without a stream, by nonce. In memory only. */
  private readonly recentSends = new Map<string, Map<string, Sent>>();

  constructor(
    private readonly load: () => { resources: Resource[]; version: number; trustBundle?: PushContext['trustBundle'] },
    private readonly now: () => number = Date.now,
    /** Where proxy sync state outlives this instance (the Durable Object's storage). */
    private readonly persistence?: ProxyStatePersistence,
  ) {
    for (const s of persistence?.load() ?? []) this.proxies.set(s.node.id, s);
  }

  /** Keeps a proxy's state across restarts; `proxy-config --watch` observers come and go and are not kept. */
  private persist(state: ProxyState): void {
    if (!state.node.id.startsWith(WATCH_NODE_PREFIX)) this.persistence?.save(state);
  }

  /** Called after every config write: the next discovery builds from the new version. */
  invalidate(): void {
    this.push = undefined;
    this.snapshots.clear();
  }

  private context(): PushContext {
    if (!this.push) {
      const { resources, version, trustBundle } = this.load();
      this.push = buildPushContext(resources, version, { trustBundle });
    }
    return this.push;
  }

  snapshotFor(node: Node): Promise<ClassSnapshot> {
    // A rotated-out root or JWT key retires at a set time, with no config write to say so: the
    // next discovery after it builds snapshots without it (Istio pushes the new ROOTCA then).
    const changesAt = this.push?.trustBundle?.changesAt;
    if (changesAt !== undefined && this.now() >= changesAt) this.invalidate();
    const key = proxyClass(node);
    let p = this.snapshots.get(key);
    if (!p) {
      const push = this.context();
      p = generateSnapshot(push, node).then(
        (g) => {
          // A generation that finishes after a newer one (generation awaits crypto) never replaces it.
          const prev = this.lastGood.get(key);
          if (!prev || prev.config_version <= g.snapshot.config_version) this.lastGood.set(key, g.snapshot);
          return { snapshot: g.snapshot, warnings: g.warnings };
        },
        (e: Error) => {
          console.error(`xds: cannot generate config version ${push.configVersion} for ${key}: ${e.message}`);
          return { snapshot: this.lastGood.get(key), error: e.message, warnings: [] };
        },
      );
      this.snapshots.set(key, p);
    }
    return p;
  }

  async discover(req: DiscoveryRequest): Promise<DiscoveryResponse> {
    const now = this.now();
    // `proxy-config --watch` observers come and go (a random id each run): they are not proxies,
    // so they are neither kept nor listed by syncz.
    const observer = req.node.id.startsWith(WATCH_NODE_PREFIX);
    const state: ProxyState = (observer ? undefined : this.proxies.get(req.node.id)) ?? { node: req.node, lastSeen: now, rejected: [] };
    state.node = req.node;
    state.lastSeen = now;
    if (!observer) this.proxies.set(req.node.id, state);
    let changed = false;
    // What the answered response carried: isolates of one node interleave, so by its nonce.
    const sent = req.response_nonce ? this.sentBy(state, req.response_nonce, req.stream) : undefined;
    if (sent) {
      if (req.error_detail) {
        // NACK: remember the rejected version and do not send it again; the proxy keeps its last good one.
        if (!state.rejected.includes(sent.version)) state.rejected = [...state.rejected.slice(-15), sent.version];
        if (req.stream) this.rememberRejection(state, req.stream, sent.version);
        state.lastNack = { version: sent.version, error: req.error_detail.message, at: now };
        changed = true;
      } else if (req.version_info === sent.version && state.ackedVersion !== sent.version && (sent.configVersion ?? 0) >= (state.ackedConfigVersion ?? 0)) {
        // A late ACK of an older send (another isolate is already further) does not move it back.
        state.ackedVersion = sent.version;
        if (sent.typeVersions) state.ackedTypeVersions = sent.typeVersions;
        if (sent.configVersion !== undefined) state.ackedConfigVersion = sent.configVersion;
        state.ackedAt = now;
        changed = true;
      }
    } else if (req.version_info && !state.ackedVersion) {
      // A proxy that kept its snapshot across a control-plane restart reports what it runs.
      state.ackedVersion = req.version_info;
      changed = true;
    }
    const { snapshot } = await this.snapshotFor(req.node);
    if (!snapshot || req.version_info === snapshot.version || this.withheld(state, req, snapshot.version)) {
      if (changed) this.persist(state);
      return { kind: 'not-modified', version_info: req.version_info ?? '' };
    }
    const nonce = crypto.randomUUID();
    if (!observer) this.rememberSent(state, nonce, { version: snapshot.version, typeVersions: snapshot.type_versions, configVersion: snapshot.config_version }, req.stream);
    state.sentVersion = snapshot.version;
    state.sentNonce = nonce;
    state.sentTypeVersions = snapshot.type_versions;
    state.sentConfigVersion = snapshot.config_version;
    state.sentAt = now;
    this.persist(state);
    if (req.delta && req.resource_versions) {
      return { kind: 'delta', nonce, version_info: snapshot.version, config_version: snapshot.config_version, type_versions: snapshot.type_versions, updates: diffSnapshot(req.resource_versions, snapshot) };
    }
    return { kind: 'full', nonce, snapshot };
  }

  /**
   * A rejected version is not offered again to the stream that rejected it (istiod ShouldRespond),
   * which keeps serving its last good snapshot. Other isolates of the node, possibly another
   * build, and new ones still get it. A request without a stream (the WebSocket, older gateways)
   * is withheld whatever its node rejected, when it has a version to keep.
   */
  private withheld(state: ProxyState, req: DiscoveryRequest, version: string): boolean {
    if (!state.rejected.includes(version)) return false;
    // The stream that rejected it, cold or not, would only fetch it again to reject it again.
    if (req.stream) return this.rejectedBy.get(state.node.id)?.get(version)?.has(req.stream) === true;
    return !!req.version_info;
  }

  private rememberRejection(state: ProxyState, stream: string, version: string): void {
    let byVersion = this.rejectedBy.get(state.node.id);
    if (!byVersion) this.rejectedBy.set(state.node.id, (byVersion = new Map()));
    for (const v of byVersion.keys()) if (!state.rejected.includes(v)) byVersion.delete(v);
    let streams = byVersion.get(version);
    if (!streams) byVersion.set(version, (streams = new Set()));
    if (streams.size >= MAX_STREAMS_PER_VERSION) streams.delete(streams.values().next().value!);
    streams.add(stream);
  }

  /** The response a nonce answered: the stream's last one, one of the node's recent ones, or the node's last. */
  private sentBy(state: ProxyState, nonce: string, stream: string | undefined): Sent | undefined {
    const own = stream !== undefined ? this.sentToStream.get(state.node.id)?.get(stream) : undefined;
    if (own?.nonce === nonce) return own.sent;
    const recent = this.recentSends.get(state.node.id)?.get(nonce);
    if (recent) return recent;
    if (nonce !== state.sentNonce || !state.sentVersion) return undefined;
    return { version: state.sentVersion, ...(state.sentTypeVersions ? { typeVersions: state.sentTypeVersions } : {}), ...(state.sentConfigVersion !== undefined ? { configVersion: state.sentConfigVersion } : {}) };
  }

  private rememberSent(state: ProxyState, nonce: string, sent: Sent, stream: string | undefined): void {
    if (stream !== undefined) {
      let streams = this.sentToStream.get(state.node.id);
      if (!streams) this.sentToStream.set(state.node.id, (streams = new Map()));
      streams.delete(stream); // re-inserted last: the least recently served stream goes first
      if (streams.size >= MAX_STREAMS_PER_NODE) streams.delete(streams.keys().next().value!);
      streams.set(stream, { nonce, sent });
      return;
    }
    let recent = this.recentSends.get(state.node.id);
    if (!recent) this.recentSends.set(state.node.id, (recent = new Map()));
    if (recent.size >= MAX_RECENT_SENDS) recent.delete(recent.keys().next().value!);
    recent.set(nonce, sent);
  }

  async syncz(): Promise<SyncRow[]> {
    const rows: SyncRow[] = [];
    for (const s of [...this.proxies.values()].sort((a, b) => (a.node.id < b.node.id ? -1 : 1))) {
      const { snapshot } = await this.snapshotFor(s.node);
      rows.push(syncRow(s, snapshot));
    }
    return rows;
  }

  /** The snapshot a known proxy (by id) currently gets. */
  async configDump(proxyId: string): Promise<(ClassSnapshot & { node: Node }) | undefined> {
    const s = this.proxies.get(proxyId);
    if (!s) return undefined;
    return { node: s.node, ...(await this.snapshotFor(s.node)) };
  }
}
