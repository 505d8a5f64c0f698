import type { Runtime } from '../runtime.ts';
import type { HostState } from './state.ts';

// Envoy's load balancers (arch overview "Supported load balancers"), over one priority level of
// a compiled cluster. Each balancer is built once per snapshot; a pick is told which hosts are
// available right now (healthy and not ejected, or everything in panic, minus the hosts a retry
// already tried) instead of being rebuilt when health changes.

/** A `worker:NAME` address names a service binding of the gateway worker. */
export interface Endpoint {
  /** Stable identity within the cluster: `address:port`. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** Service binding name for `worker:NAME` addresses. */
  readonly binding?: string;
  /** EDS `endpoint.hostname`, else the address when it is a DNS name. */
  readonly hostname?: string;
  /** Endpoint labels (`metadata.filter_metadata["envoy.lb"]`). */
  readonly labels: Readonly<Record<string, string>>;
  /** ORIGINAL_DST clusters: send the request to its own host (`:authority`). */
  readonly originalDestination?: true;
}

export interface Host {
  readonly endpoint: Endpoint;
  readonly state: HostState;
  /** `load_balancing_weight` of the endpoint (default 1). */
  readonly weight: number;
  /** Weight after applying locality weights (see cluster.ts); used by RR, LR and RANDOM. */
  readonly lbWeight: number;
  /** `health_status` is not UNHEALTHY / DRAINING. */
  readonly statusHealthy: boolean;
}

export type Available = (h: Host) => boolean;

export interface LoadBalancer {
  /** A host for which `available` holds, or undefined when none is. `hash` is a 32-bit key hash. */
  choose(available: Available, hash: number | undefined): Host | undefined;
}

// ---- hashing ----------------------------------------------------------------------------

/** 32-bit FNV-1a over UTF-16 code units with a murmur-style finaliser; stable across isolates. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---- weighted round robin / weighted least request: earliest deadline first ---------------

/**
 * Envoy's EDF scheduler: each host is due at `last + 1/weight`; the earliest deadline goes next,
 * ties in insertion order. Hosts that are not available when due are passed over (their turn is
 * spent), so an ejected host's share spreads over the rest.
 */
class Edf {
  private readonly deadline: number[];
  private readonly order: number[];
  private seq = 0;
  private now = 0;

  constructor(
    private readonly hosts: readonly Host[],
    private readonly weightOf: (h: Host) => number,
  ) {
    this.deadline = hosts.map((h) => 1 / weightOf(h));
    this.order = hosts.map(() => this.seq++);
  }

  choose(available: Available): Host | undefined {
    if (!this.hosts.some(available)) return undefined;
    // Bounded: every pass advances one host; an available host is due within a few rounds.
    for (let guard = 0; guard < 64 * this.hosts.length + 1024; guard++) {
      let best = 0;
      for (let i = 1; i < this.hosts.length; i++) {
        const d = this.deadline[i]!;
        const b = this.deadline[best]!;
        // Deadlines within rounding error are ties, broken by insertion order.
        const tie = Math.abs(d - b) <= 1e-9 * Math.max(1, Math.abs(b));
        if ((!tie && d < b) || (tie && this.order[i]! < this.order[best]!)) best = i;
      }
      const host = this.hosts[best]!;
      this.now = this.deadline[best]!;
      this.deadline[best] = this.now + 1 / this.weightOf(host);
      this.order[best] = this.seq++;
      if (available(host)) return host;
    }
    return this.hosts.find(available);
  }
}

export class RoundRobinLb implements LoadBalancer {
  private readonly edf: Edf;
  constructor(hosts: readonly Host[], rt: Runtime) {
    this.edf = new Edf(hosts, (h) => h.lbWeight);
    // Start at a random place in the schedule, as Envoy seeds it, so isolates (and snapshots)
    // do not all send their first request to the first endpoint.
    const skip = Math.floor(rt.random() * hosts.length);
    for (let i = 0; i < skip; i++) this.edf.choose(() => true);
  }
  choose(available: Available): Host | undefined {
    return this.edf.choose(available);
  }
}

/** Default `active_request_bias` (Envoy: 1.0). */
const ACTIVE_REQUEST_BIAS = 1;

/**
 * Envoy's weighted least request: with equal weights, power of two choices (two random available
 * hosts, drawn with replacement; the one with fewer active requests wins, the first on a tie);
 * with unequal weights, EDF over `weight / (active + 1)^bias`.
 */
export class LeastRequestLb implements LoadBalancer {
  private readonly edf: Edf | undefined;
  constructor(
    private readonly hosts: readonly Host[],
    private readonly rt: Runtime,
    private readonly choiceCount = 2,
  ) {
    const equal = hosts.every((h) => h.lbWeight === hosts[0]!.lbWeight);
    this.edf = equal ? undefined : new Edf(hosts, (h) => h.lbWeight / Math.pow(h.state.active + 1, ACTIVE_REQUEST_BIAS));
  }

  choose(available: Available): Host | undefined {
    if (this.edf) return this.edf.choose(available);
    const pool = this.hosts.filter(available);
    if (!pool.length) return undefined;
    let best: Host | undefined;
    for (let i = 0; i < this.choiceCount; i++) {
      const h = pool[Math.floor(this.rt.random() * pool.length)]!;
      if (!best || h.state.active < best.state.active) best = h;
    }
    return best;
  }
}

/** Uniform random over the available hosts: Envoy's RandomLoadBalancer ignores endpoint weights. */
export class RandomLb implements LoadBalancer {
  constructor(
    private readonly hosts: readonly Host[],
    private readonly rt: Runtime,
  ) {}
  choose(available: Available): Host | undefined {
    const pool = this.hosts.filter(available);
    if (!pool.length) return undefined;
    return pool[Math.floor(this.rt.random() * pool.length)];
  }
}

// ---- consistent hashing -----------------------------------------------------------------

export const RING_MIN_DEFAULT = 1024;
export const RING_MAX_DEFAULT = 8 * 1024 * 1024;

/** The ring: sorted hash points and, for each, the index of its host. */
export interface RingTable {
  readonly points: Float64Array;
  readonly owners: Int32Array;
}

/**
 * meshgate's ceiling on a ring's size: Envoy allows 8M entries, a Worker isolate (128 MB) cannot
 * hold or build that many, so larger sizes are capped here (docs/gateway.md; apply warns).
 */
export const RING_SIZE_CAP = 1 << 20;
const OWNER_SPAN = 2 ** 21; // hosts per ring (< 2M): a point and its owner packed in one double

/**
 * Envoy's ring: each host gets points in proportion to its weight, scaled so the lightest host's
 * share of `minSize` is whole, within `maxSize` (and meshgate's cap). Built in typed arrays: a
 * point's hash and owner are packed into one double (hash × 2^21 + owner, exact below 2^53) so one
 * native sort orders by hash, then owner.
 */
export function ringTable(hosts: readonly Host[], minSize = RING_MIN_DEFAULT, maxSize = RING_MAX_DEFAULT): RingTable {
  if (!hosts.length) return { points: new Float64Array(0), owners: new Int32Array(0) };
  const total = hosts.reduce((s, h) => s + h.weight, 0);
  const minShare = Math.min(...hosts.map((h) => h.weight / total));
  const scale = Math.min(Math.ceil(minShare * minSize) / minShare, maxSize, RING_SIZE_CAP);
  // Points per host: the running target, as whole points.
  const counts: number[] = [];
  let made = 0;
  let target = 0;
  for (const h of hosts) {
    target += (h.weight / total) * scale;
    const n = Math.max(0, Math.ceil(target - made));
    counts.push(n);
    made += n;
  }
  const packed = new Float64Array(made);
  let k = 0;
  hosts.forEach((h, idx) => {
    for (let i = 0; i < counts[idx]!; i++) packed[k++] = hash32(`${h.endpoint.key}_${i}`) * OWNER_SPAN + idx;
  });
  packed.sort();
  const points = new Float64Array(made);
  const owners = new Int32Array(made);
  for (let i = 0; i < made; i++) {
    const v = packed[i]!;
    const owner = v % OWNER_SPAN;
    points[i] = (v - owner) / OWNER_SPAN;
    owners[i] = owner;
  }
  return { points, owners };
}

/**
 * Ketama-style ring (Envoy RING_HASH), from {@link ringTable}. A key goes to the first point at or
 * after its hash (wrapping); an unavailable host's points are skipped, which is what removing
 * them from the ring would do.
 */
export class RingHashLb implements LoadBalancer {
  private readonly points: Float64Array;
  private readonly owners: Int32Array;

  constructor(
    private readonly hosts: readonly Host[],
    private readonly rt: Runtime,
    table: RingTable = ringTable(hosts),
  ) {
    this.points = table.points;
    this.owners = table.owners;
  }

  get size(): number {
    return this.points.length;
  }

  choose(available: Available, hash: number | undefined): Host | undefined {
    const n = this.points.length;
    if (!n) return undefined;
    const h = hash ?? Math.floor(this.rt.random() * 2 ** 32);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    // The common case, the point's own host available, without the bookkeeping below.
    const first = this.hosts[this.owners[lo % n]!]!;
    if (available(first)) return first;
    const seen = new Set<number>();
    for (let i = 0; i < n && seen.size < this.hosts.length; i++) {
      const owner = this.owners[(lo + i) % n]!;
      if (seen.has(owner)) continue;
      seen.add(owner);
      const host = this.hosts[owner]!;
      if (available(host)) return host;
    }
    return undefined;
  }
}

export const MAGLEV_TABLE_DEFAULT = 65537;

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/**
 * meshgate's ceiling on a maglev table: the largest prime below 2^20 (4 MB). Istio accepts primes
 * up to 5,000,011 (20 MB and about a second of CPU per table, per subset), which a Worker isolate
 * (128 MB) cannot afford; larger sizes are built at this one (docs/gateway.md; apply warns).
 */
export const MAGLEV_SIZE_CAP = 1_048_573;

/**
 * Maglev's lookup table: every host walks its own permutation of a prime-sized table (offset and
 * skip from two hashes of its key) and claims the next free slot on its turns; a host takes turns
 * in proportion to its weight relative to the heaviest host.
 */
export function maglevTable(hosts: readonly Host[], requestedSize = MAGLEV_TABLE_DEFAULT): Int32Array {
  const tableSize = Math.min(requestedSize, MAGLEV_SIZE_CAP); // both prime
  const table = new Int32Array(hosts.length ? tableSize : 0).fill(-1);
  if (!hosts.length) return table;
  const maxWeight = Math.max(...hosts.map((h) => h.weight));
  const state = hosts.map((h) => ({
    offset: hash32(h.endpoint.key, 0x4d41474c) % tableSize,
    skip: (hash32(h.endpoint.key, 0x45560000) % (tableSize - 1)) + 1,
    next: 0,
    filled: 0,
    share: h.weight / maxWeight,
  }));
  let filled = 0;
  for (let iteration = 1; filled < tableSize; iteration++) {
    for (let i = 0; i < state.length && filled < tableSize; i++) {
      const s = state[i]!;
      if (s.share * iteration < s.filled + 1) continue;
      let slot: number;
      do {
        slot = (s.offset + s.next * s.skip) % tableSize;
        s.next++;
      } while (table[slot] !== -1);
      table[slot] = i;
      s.filled++;
      filled++;
    }
  }
  return table;
}

/** Maglev (Envoy MAGLEV): a key goes to slot `hash mod size`; if that host is unavailable, the following slots are tried. */
export class MaglevLb implements LoadBalancer {
  constructor(
    private readonly hosts: readonly Host[],
    private readonly rt: Runtime,
    private readonly table: Int32Array = maglevTable(hosts),
  ) {}

  choose(available: Available, hash: number | undefined): Host | undefined {
    const n = this.table.length;
    if (!n) return undefined;
    const start = (hash ?? Math.floor(this.rt.random() * 2 ** 32)) % n;
    // The common case, the slot's own host available, without the bookkeeping below.
    const first = this.hosts[this.table[start]!]!;
    if (available(first)) return first;
    const seen = new Set<number>();
    for (let i = 0; i < n && seen.size < this.hosts.length; i++) {
      const owner = this.table[(start + i) % n]!;
      if (seen.has(owner)) continue;
      seen.add(owner);
      const host = this.hosts[owner]!;
      if (available(host)) return host;
    }
    return undefined;
  }
}
