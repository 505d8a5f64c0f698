// Upstream state that must outlive a snapshot (DESIGN.md "Inside the two planes"): per cluster
// name, the circuit-breaker counters and wait queue; per cluster name + endpoint key, active
// requests, consecutive-error counters and outlier ejections. One `UpstreamState` lives for the
// isolate; each `compileClusters` call re-attaches to it, keeps what still exists and drops
// clusters and endpoints the new snapshot no longer has.

export type ResourceKind = 'request' | 'pending' | 'retry' | 'connection';

export class HostState {
  /** Requests started and not yet ended (LEAST_REQUEST input). */
  active = 0;
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  /** Set while ejected: when the ejection started, and the interval tick at which the host
   *  comes back (the first tick once the ejection time has run out). */
  ejectedAt: number | undefined = undefined;
  unejectAt = 0;
  /** Envoy's ejection-time multiplier: grows per ejection, shrinks per healthy interval. */
  ejectionMultiplier = 0;
  /** Total ejections (stats / debugging). */
  timesEjected = 0;
  /** When the host last came back into service. */
  unejectedAt: number | undefined = undefined;

  get ejected(): boolean {
    return this.ejectedAt !== undefined;
  }
}

export class ClusterState {
  readonly hosts = new Map<string, HostState>();
  /** Circuit-breaker usage, shared by every compiled version of the cluster. */
  readonly counters: Record<ResourceKind, number> = { request: 0, pending: 0, retry: 0, connection: 0 };
  /** Overflow counts (Envoy's upstream_rq_pending_overflow, upstream_cx_overflow, …). */
  readonly overflows: Record<ResourceKind, number> = { request: 0, pending: 0, retry: 0, connection: 0 };
  /** Number of hosts currently ejected, and the earliest moment one of them comes back. */
  ejectedCount = 0;
  nextUnejectAt = Number.POSITIVE_INFINITY;
  /** When this isolate's outlier detector for the cluster started: its interval ticks count
   *  from here, as Envoy's interval timer starts with the cluster. Unset without detection. */
  outlierEpoch: number | undefined = undefined;
  /** Ring and maglev tables the last compile built, by their inputs (reused by the next one). */
  lbTables: ReadonlyMap<string, unknown> = new Map();

  host(key: string): HostState {
    let h = this.hosts.get(key);
    if (!h) {
      h = new HostState();
      this.hosts.set(key, h);
    }
    return h;
  }

  /** Recounts ejected hosts (after hosts were dropped or outlier detection was turned off). */
  recountEjections(): void {
    this.ejectedCount = 0;
    this.nextUnejectAt = Number.POSITIVE_INFINITY;
    for (const h of this.hosts.values()) {
      if (h.ejectedAt === undefined) continue;
      this.ejectedCount++;
      this.nextUnejectAt = Math.min(this.nextUnejectAt, h.unejectAt);
    }
  }
}

/** Per-isolate upstream state, carried across snapshots; keyed by cluster name (+ endpoint key). */
export class UpstreamState {
  readonly clusters = new Map<string, ClusterState>();

  cluster(name: string): ClusterState {
    let c = this.clusters.get(name);
    if (!c) {
      c = new ClusterState();
      this.clusters.set(name, c);
    }
    return c;
  }

  /**
   * Keeps only the given clusters and, in each, only the given endpoint keys. Called by
   * `compileClusters` once a snapshot compiled successfully.
   */
  retain(keep: ReadonlyMap<string, ReadonlySet<string>>): void {
    for (const name of [...this.clusters.keys()]) if (!keep.has(name)) this.clusters.delete(name);
    for (const [name, keys] of keep) {
      const c = this.clusters.get(name);
      if (!c) continue;
      let dropped = false;
      for (const key of [...c.hosts.keys()]) {
        if (!keys.has(key)) {
          c.hosts.delete(key);
          dropped = true;
        }
      }
      if (dropped) c.recountEjections();
    }
  }
}
