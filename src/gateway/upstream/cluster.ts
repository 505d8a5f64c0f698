import type { Cluster, UpstreamTls } from '../../xds/resources/cluster.ts';
import { durationMs } from '../../xds/resources/common.ts';
import type { ClusterLoadAssignment, LbEndpoint } from '../../xds/resources/endpoint.ts';
import type { Runtime } from '../runtime.ts';
import {
  type Available,
  type Endpoint,
  type Host,
  hash32,
  isPrime,
  LeastRequestLb,
  type LoadBalancer,
  MAGLEV_TABLE_DEFAULT,
  MaglevLb,
  maglevTable,
  RandomLb,
  RING_MAX_DEFAULT,
  RING_MIN_DEFAULT,
  RingHashLb,
  ringTable,
  RoundRobinLb,
} from './lb.ts';
import { clearEjections, compileOutlier, type OutlierConfig, recordOutcome, refreshEjections, type RequestOutcome } from './outlier.ts';
import { type ClusterState, type ResourceKind, UpstreamState } from './state.ts';
import { checkTlsBindings } from '../router/upstream-tls.ts';

// The cluster table of a compiled snapshot: per cluster its endpoints (by priority level), its
// load balancer, circuit breakers and outlier detection. Compiled once per snapshot; per request
// the router calls pick → tryAcquire/admit → onRequestStart → (fetch) → onRequestEnd → release.
//
// Decisions (see also lb.ts, outlier.ts):
// - Priorities: the lowest priority level with a healthy host serves the request (no Envoy
//   overprovisioning spill-over between levels). In panic, priority 0 serves with all its hosts.
// - Localities: with several localities in a level that all carry `load_balancing_weight`, traffic
//   is shared by locality weight and, within a locality, by endpoint weight (each endpoint's
//   effective weight is localityWeight × weight / Σweights in its locality). Otherwise localities
//   are flat and only endpoint weights count. An ejected endpoint's share goes to the rest of the
//   level. RING_HASH and MAGLEV use endpoint weights only, as Envoy's hash balancers do.
// - Panic: `common_lb_config.healthy_panic_threshold` unset or 0 ⇒ panic mode off (Istio always
//   sets it from minHealthPercent, default 0, whenever outlier detection can eject; Envoy's own
//   default of 50% is not applied). Below the threshold, every endpoint is eligible.
// - Circuit breakers (Workers have no connection pool; counters are per isolate):
//     max_connections      ('connection') concurrent upstream fetches of the cluster;
//     max_pending_requests ('pending')    requests waiting for a fetch slot (`admit()` queues them);
//     max_requests         ('request')    concurrent requests to the cluster (incl. queued ones);
//     max_retries          ('retry')      concurrent retries outstanding; a retry_budget replaces
//                                          it: budget_percent of active requests (queued ones
//                                          included), at least min_retry_concurrency.
//   Absent thresholds ⇒ unlimited (Istio always sends explicit limits, default 2^32-1). Overflow ⇒
//   the router answers 503 "… reset reason: overflow" with `x-envoy-overloaded: true`.
// - Connect timeout: `connect_timeout` (else Envoy's 5s) is kept for debugging only: `fetch` has no
//   separate connect phase to time (docs/gateway.md "Upstreams").

export type ClusterKind = 'eds' | 'static' | 'dns' | 'original_dst';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

export interface PickContext {
  /** Consistent-hash key (header value, cookie, source IP, …) for RING_HASH / MAGLEV. */
  hash?: string;
  /** Endpoint keys already tried by this request (retry predicate previous_hosts). */
  exclude?: ReadonlySet<string>;
}

export type PickResult = Endpoint | 'no-healthy-upstream';

/** A lease on a fetch slot ('connection'), from `admit()`. Release exactly once. */
export interface Lease {
  release(): void;
}

/** The endpoint an ORIGINAL_DST cluster picks: the request's own host. */
export const ORIGINAL_DESTINATION: Endpoint = Object.freeze({ key: 'original-destination', address: '', port: 0, labels: Object.freeze({}), originalDestination: true as const });

interface Level {
  readonly priority: number;
  readonly hosts: readonly Host[];
  readonly lb: LoadBalancer;
}

interface EndpointSpec {
  readonly endpoint: Endpoint;
  readonly weight: number;
  readonly lbWeight: number;
  readonly statusHealthy: boolean;
  readonly priority: number;
}

interface ClusterSpec {
  readonly cluster: Cluster;
  readonly kind: ClusterKind;
  readonly policy: LbPolicy;
  readonly scheme: 'http' | 'https';
  /** ORIGINAL_DST: original_dst_lb_config.upstream_port_override (else the request's port). */
  readonly originalDstPort: number | undefined;
  readonly connectTimeoutMs: number;
  readonly endpoints: readonly EndpointSpec[];
  readonly outlier: OutlierConfig | undefined;
  readonly panicThreshold: number;
  readonly limits: Readonly<Record<ResourceKind, number>>;
  readonly retryBudget: RetryBudget | undefined;
  readonly ringMin: number;
  readonly ringMax: number;
  readonly maglevSize: number;
}

export class CompiledCluster {
  readonly name: string;
  readonly kind: ClusterKind;
  readonly lbPolicy: LbPolicy;
  readonly scheme: 'http' | 'https';
  /** ORIGINAL_DST: original_dst_lb_config.upstream_port_override (else the request's port). */
  readonly originalDstPort: number | undefined;
  readonly tls: UpstreamTls | undefined;
  readonly connectTimeoutMs: number;
  /** Every endpoint of the cluster, all priorities, in assignment order. */
  readonly endpoints: readonly Endpoint[];
  readonly limits: Readonly<Record<ResourceKind, number>>;
  readonly retryBudget: RetryBudget | undefined;
  readonly panicThreshold: number;
  readonly outlier: OutlierConfig | undefined;

  private readonly levels: readonly Level[];
  private readonly hosts = new Map<string, Host>();

  constructor(
    spec: ClusterSpec,
    private readonly cs: ClusterState,
    private readonly rt: Runtime,
  ) {
    const c = spec.cluster;
    this.name = c.name;
    this.kind = spec.kind;
    this.lbPolicy = spec.policy;
    this.scheme = spec.scheme;
    this.originalDstPort = spec.originalDstPort;
    this.tls = c.transport_socket?.['meshgate.tls'];
    this.connectTimeoutMs = spec.connectTimeoutMs;
    this.limits = spec.limits;
    this.retryBudget = spec.retryBudget;
    this.panicThreshold = spec.panicThreshold;
    this.outlier = spec.outlier;
    this.endpoints = spec.endpoints.map((e) => e.endpoint);
    const byPriority = new Map<number, Host[]>();
    for (const e of spec.endpoints) {
      const host: Host = { endpoint: e.endpoint, state: cs.host(e.endpoint.key), weight: e.weight, lbWeight: e.lbWeight, statusHealthy: e.statusHealthy };
      this.hosts.set(e.endpoint.key, host);
      const list = byPriority.get(e.priority) ?? [];
      list.push(host);
      byPriority.set(e.priority, list);
    }
    const tables = new Map<string, unknown>();
    this.levels = [...byPriority.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([priority, hosts]) => ({ priority, hosts, lb: makeLb(spec, hosts, rt, cs.lbTables, tables) }));
    cs.lbTables = tables;
  }

  // ---- load balancing -------------------------------------------------------------------

  pick(ctx: PickContext = {}): PickResult {
    if (this.kind === 'original_dst') return ORIGINAL_DESTINATION;
    if (!this.hosts.size) return 'no-healthy-upstream';
    if (this.outlier) refreshEjections(this.cs, this.rt.now());
    const healthy = (h: Host) => h.statusHealthy && !h.state.ejected;
    let healthyCount = 0;
    for (const h of this.hosts.values()) if (healthy(h)) healthyCount++;
    // Envoy's level health is min(100, 140 × healthy / total) (overprovisioning factor 1.4), so
    // panic needs fewer than ~71% healthy whatever the threshold (recalculatePerPriorityPanic).
    const panic = this.panicThreshold > 0 && Math.min(100, Math.floor((140 * healthyCount) / this.hosts.size)) < this.panicThreshold;
    let level: Level | undefined;
    let base: Available;
    if (panic) {
      level = this.levels[0];
      base = () => true;
    } else {
      level = this.levels.find((l) => l.hosts.some(healthy));
      base = healthy;
    }
    if (!level) return 'no-healthy-upstream';
    const hash = ctx.hash !== undefined ? hash32(ctx.hash) : undefined;
    const exclude = ctx.exclude;
    let host: Host | undefined;
    if (exclude?.size) host = level.lb.choose((h) => base(h) && !exclude.has(h.endpoint.key), hash);
    // Every candidate already tried: any available endpoint will do.
    host ??= level.lb.choose(base, hash);
    return host ? host.endpoint : 'no-healthy-upstream';
  }

  /** Whether an endpoint is currently ejected by outlier detection (admin/debug, tests). */
  isEjected(key: string): boolean {
    if (this.outlier) refreshEjections(this.cs, this.rt.now());
    return this.hosts.get(key)?.state.ejected ?? false;
  }

  /** Active requests on an endpoint (admin/debug, tests). */
  activeRequests(key: string): number {
    return this.hosts.get(key)?.state.active ?? 0;
  }

  // ---- request accounting and outlier detection -------------------------------------------

  onRequestStart(endpoint: Endpoint): void {
    const state = this.stateOf(endpoint);
    if (state) state.active++;
  }

  onRequestEnd(endpoint: Endpoint, outcome: RequestOutcome): void {
    const state = this.stateOf(endpoint);
    if (!state) return;
    state.active = Math.max(0, state.active - 1);
    if (this.outlier) recordOutcome(this.outlier, this.cs, state, outcome, this.hosts.size, this.rt);
  }

  private stateOf(endpoint: Endpoint) {
    if (endpoint.originalDestination) return undefined;
    // An endpoint picked from an earlier version of this cluster still has its state here.
    return this.hosts.get(endpoint.key)?.state ?? this.cs.hosts.get(endpoint.key);
  }

  // ---- circuit breakers ---------------------------------------------------------------------

  /** Takes one unit of a resource; false ⇒ overflow (503 UO, `x-envoy-overloaded: true`). */
  tryAcquire(kind: ResourceKind): boolean {
    if (this.cs.counters[kind] >= this.limitOf(kind)) {
      this.cs.overflows[kind]++;
      return false;
    }
    this.cs.counters[kind]++;
    return true;
  }

  private limitOf(kind: ResourceKind): number {
    const b = this.retryBudget;
    if (kind !== 'retry' || !b) return this.limits[kind];
    return Math.max(Math.floor((b.percent / 100) * this.cs.counters.request), b.minConcurrency);
  }

  /** Gives back one unit. */
  release(kind: ResourceKind): void {
    this.cs.counters[kind] = Math.max(0, this.cs.counters[kind] - 1);
  }

  /** Current usage of a resource (admin/debug, tests). */
  usage(kind: ResourceKind): number {
    return this.cs.counters[kind];
  }

  /** A fetch slot when one is free right now (the common case, without a promise); else undefined: call {@link admit}. */
  admitNow(): Lease | undefined {
    if (this.cs.counters.connection >= this.limits.connection) return undefined;
    this.cs.counters.connection++;
    return this.lease();
  }

  private lease(): Lease {
    let done = false;
    return {
      release: () => {
        if (done) return;
        done = true;
        this.release('connection');
      },
    };
  }

  /**
   * A fetch slot under max_connections: granted at once while slots are free; else the request
   * waits as pending (max_pending_requests is full: 'overflow'), checking for a free slot every
   * few milliseconds until one frees or `maxWaitMs` (the rest of the route timeout; unbounded
   * without one, as in Envoy) runs out: 'timeout'. Waiting requests poll in their own request
   * context: workerd does not let one request's completion resume another's I/O, so there is no
   * hand-off queue (order among waiters is not guaranteed FIFO).
   */
  async admit(maxWaitMs = Infinity): Promise<Lease | 'overflow' | 'timeout'> {
    const now = this.admitNow();
    if (now) return now;
    if (!this.tryAcquire('pending')) return 'overflow';
    try {
      for (let waited = 0; waited < maxWaitMs; waited += ADMIT_POLL_MS) {
        await new Promise((r) => setTimeout(r, Math.min(ADMIT_POLL_MS, maxWaitMs - waited)));
        const later = this.admitNow();
        if (later) return later;
      }
      return 'timeout';
    } finally {
      this.release('pending');
    }
  }
}

/**
 * A level's load balancer. Ring and maglev tables depend only on the hosts' keys, weights and
 * order and the sizes: one a previous snapshot built for the same inputs is reused (`tables`
 * keeps this compile's, `previous` holds the last compile's), so a new config version does not
 * rebuild every cluster's table.
 */
function makeLb(spec: ClusterSpec, hosts: readonly Host[], rt: Runtime, previous: ReadonlyMap<string, unknown>, tables: Map<string, unknown>): LoadBalancer {
  const reuse = <T>(params: string, build: () => T): T => {
    const key = `${params}|${hosts.map((h) => `${h.endpoint.key}\u0000${h.weight}`).join('\u0001')}`;
    const table = (tables.get(key) ?? previous.get(key) ?? build()) as T;
    tables.set(key, table);
    return table;
  };
  switch (spec.policy) {
    case 'ROUND_ROBIN':
      return new RoundRobinLb(hosts, rt);
    case 'RANDOM':
      return new RandomLb(hosts, rt);
    case 'RING_HASH':
      return new RingHashLb(hosts, rt, reuse(`ring:${spec.ringMin}:${spec.ringMax}`, () => ringTable(hosts, spec.ringMin, spec.ringMax)));
    case 'MAGLEV':
      return new MaglevLb(hosts, rt, reuse(`maglev:${spec.maglevSize}`, () => maglevTable(hosts, spec.maglevSize)));
    default:
      return new LeastRequestLb(hosts, rt);
  }
}

// ---- compile ------------------------------------------------------------------------------

const ADMIT_POLL_MS = 5;
const KIND: Record<Cluster['type'], ClusterKind> = { EDS: 'eds', STATIC: 'static', STRICT_DNS: 'dns', LOGICAL_DNS: 'dns', ORIGINAL_DST: 'original_dst' };
const MAGLEV_MAX = 5000011;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

class CompileError extends Error {
  constructor(cluster: string, message: string) {
    super(`cluster ${JSON.stringify(cluster)}: ${message}`);
    this.name = 'CompileError';
  }
}

function endpointOf(c: Cluster, lb: LbEndpoint): Endpoint {
  const { address, port_value: port } = lb.endpoint.address.socket_address;
  if (!address) throw new CompileError(c.name, 'endpoint with an empty address');
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(lb.metadata?.filter_metadata['envoy.lb'] ?? {})) labels[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const key = `${address}:${port}`;
  if (address.startsWith('worker:')) {
    const binding = address.slice('worker:'.length);
    if (!binding) throw new CompileError(c.name, `endpoint ${JSON.stringify(address)} names no service binding`);
    return { key, address, port, binding, ...(lb.endpoint.hostname ? { hostname: lb.endpoint.hostname } : {}), labels };
  }
  const ip = IPV4.test(address) || address.includes(':');
  const hostname = lb.endpoint.hostname ?? (ip ? undefined : address);
  return { key, address, port, ...(hostname ? { hostname } : {}), labels };
}

function endpointSpecs(c: Cluster, cla: ClusterLoadAssignment | undefined): EndpointSpec[] {
  if (!cla) return [];
  const out: EndpointSpec[] = [];
  const seen = new Set<string>();
  const byPriority = new Map<number, ClusterLoadAssignment['endpoints']>();
  for (const group of cla.endpoints) {
    const p = group.priority ?? 0;
    byPriority.set(p, [...(byPriority.get(p) ?? []), group]);
  }
  for (const [priority, groups] of byPriority) {
    const weighted = groups.length > 1 && groups.every((g) => g.load_balancing_weight !== undefined);
    for (const group of groups) {
      const sum = group.lb_endpoints.reduce((s, e) => s + (e.load_balancing_weight ?? 1), 0);
      for (const lb of group.lb_endpoints) {
        const endpoint = endpointOf(c, lb);
        // The first occurrence of an address:port wins.
        if (seen.has(endpoint.key)) continue;
        seen.add(endpoint.key);
        const weight = lb.load_balancing_weight ?? 1;
        const lbWeight = weighted ? ((group.load_balancing_weight ?? 1) * weight) / sum : weight;
        const statusHealthy = lb.health_status !== 'UNHEALTHY' && lb.health_status !== 'DRAINING';
        out.push({ endpoint, weight, lbWeight, statusHealthy, priority });
      }
    }
  }
  return out;
}

interface RetryBudget {
  readonly percent: number;
  readonly minConcurrency: number;
}

function retryBudgetOf(c: Cluster): RetryBudget | undefined {
  const b = c.circuit_breakers?.thresholds.find((x) => (x.priority ?? 'DEFAULT') === 'DEFAULT')?.retry_budget;
  return b ? { percent: b.budget_percent?.value ?? 20, minConcurrency: b.min_retry_concurrency ?? 3 } : undefined;
}

function limitsOf(c: Cluster): Record<ResourceKind, number> {
  const t = c.circuit_breakers?.thresholds.find((x) => (x.priority ?? 'DEFAULT') === 'DEFAULT');
  const lim = (n: number | undefined) => (n === undefined ? Number.POSITIVE_INFINITY : n);
  return { connection: lim(t?.max_connections), pending: lim(t?.max_pending_requests), request: lim(t?.max_requests), retry: lim(t?.max_retries) };
}

function specOf(c: Cluster, assignments: ReadonlyMap<string, ClusterLoadAssignment>): ClusterSpec {
  const kind = KIND[c.type];
  if (!kind) throw new CompileError(c.name, `unsupported cluster type ${String(c.type)}`);
  let policy: LbPolicy;
  if (kind === 'original_dst') {
    if (c.lb_policy !== undefined && c.lb_policy !== 'CLUSTER_PROVIDED') throw new CompileError(c.name, `LB policy ${c.lb_policy} is not valid for cluster type ORIGINAL_DST; only CLUSTER_PROVIDED is allowed`);
    policy = 'CLUSTER_PROVIDED';
  } else {
    if (c.lb_policy === 'CLUSTER_PROVIDED') throw new CompileError(c.name, `LB policy CLUSTER_PROVIDED is only valid for cluster type ORIGINAL_DST, not ${c.type}`);
    // Envoy's own default is ROUND_ROBIN; Istio always sends a policy (LEAST_REQUEST by default).
    policy = c.lb_policy ?? 'LEAST_REQUEST';
  }

  const schemeMeta = c.metadata?.filter_metadata['meshgate']?.['upstream_scheme'];
  if (schemeMeta !== undefined && schemeMeta !== 'http' && schemeMeta !== 'https') throw new CompileError(c.name, `metadata meshgate.upstream_scheme must be "http" or "https", got ${JSON.stringify(schemeMeta)}`);
  const scheme = schemeMeta ?? (c.transport_socket ? 'https' : 'http');

  const cla = kind === 'eds' ? (assignments.get(c.eds_cluster_config?.service_name ?? c.name) ?? c.load_assignment) : c.load_assignment;
  const endpoints = kind === 'original_dst' ? [] : endpointSpecs(c, cla);
  if (c.type === 'LOGICAL_DNS' && endpoints.length > 1) throw new CompileError(c.name, 'LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint');

  const panicThreshold = c.common_lb_config?.healthy_panic_threshold?.value ?? 0;
  if (!(panicThreshold >= 0 && panicThreshold <= 100)) throw new CompileError(c.name, `healthy_panic_threshold ${panicThreshold} is outside 0–100`);

  const ringMin = c.ring_hash_lb_config?.minimum_ring_size ?? RING_MIN_DEFAULT;
  const ringMax = c.ring_hash_lb_config?.maximum_ring_size ?? RING_MAX_DEFAULT;
  if (ringMin < 1 || ringMin > RING_MAX_DEFAULT) throw new CompileError(c.name, `ring_hash_lb_config.minimum_ring_size ${ringMin} must be 1–${RING_MAX_DEFAULT}`);
  if (ringMax < ringMin || ringMax > RING_MAX_DEFAULT) throw new CompileError(c.name, `ring_hash_lb_config.maximum_ring_size ${ringMax} must be between minimum_ring_size (${ringMin}) and ${RING_MAX_DEFAULT}`);
  const maglevSize = c.maglev_lb_config?.table_size ?? MAGLEV_TABLE_DEFAULT;
  if (!isPrime(maglevSize) || maglevSize > MAGLEV_MAX) throw new CompileError(c.name, `maglev_lb_config.table_size ${maglevSize} must be a prime number below ${MAGLEV_MAX}`);

  return {
    cluster: c,
    kind,
    policy,
    scheme,
    originalDstPort: kind === 'original_dst' ? c.original_dst_lb_config?.upstream_port_override : undefined,
    connectTimeoutMs: c.connect_timeout !== undefined ? durationMs(c.connect_timeout) : 5_000,
    endpoints,
    outlier: c.outlier_detection ? compileOutlier(c.outlier_detection) : undefined,
    panicThreshold,
    limits: limitsOf(c),
    retryBudget: retryBudgetOf(c),
    ringMin,
    ringMax,
    maglevSize,
  };
}

/**
 * Compiles a snapshot's clusters (with their EDS assignments) against the isolate's carried
 * `UpstreamState`. Throws an Error naming the cluster for anything it cannot compile (the gateway
 * NACKs the snapshot); the state is only touched once every cluster compiled.
 */
export function compileClusters(clusters: readonly Cluster[], assignments: readonly ClusterLoadAssignment[], state: UpstreamState, rt: Runtime): Map<string, CompiledCluster> {
  const byName = new Map<string, ClusterLoadAssignment>();
  for (const cla of assignments) {
    if (byName.has(cla.cluster_name)) throw new CompileError(cla.cluster_name, 'more than one ClusterLoadAssignment');
    byName.set(cla.cluster_name, cla);
  }
  const specs: ClusterSpec[] = [];
  const names = new Set<string>();
  for (const c of clusters) {
    if (names.has(c.name)) throw new CompileError(c.name, 'duplicate cluster name');
    names.add(c.name);
    specs.push(specOf(c, byName));
  }

  checkTlsBindings(clusters.map((c) => ({ name: c.name, tls: c.transport_socket?.['meshgate.tls'] })));
  state.retain(new Map(specs.map((s) => [s.cluster.name, new Set(s.endpoints.map((e) => e.endpoint.key))])));
  const out = new Map<string, CompiledCluster>();
  for (const spec of specs) {
    const cs = state.cluster(spec.cluster.name);
    if (!spec.outlier && cs.ejectedCount > 0) clearEjections(cs);
    cs.outlierEpoch = spec.outlier ? (cs.outlierEpoch ?? rt.now()) : undefined;
    out.set(spec.cluster.name, new CompiledCluster(spec, cs, rt));
  }
  return out;
}

export { UpstreamState };
export type { Endpoint, RequestOutcome, ResourceKind };
