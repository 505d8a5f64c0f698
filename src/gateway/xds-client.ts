import { Snapshot } from '../xds/snapshot.ts';
import type { DiscoveryRequest, DiscoveryResponse, Node } from '../xds/protocol.ts';
import type { Runtime } from './runtime.ts';

// The gateway's snapshot client: the newest good snapshot lives in isolate memory; a request
// never waits on the control plane once one is loaded. Refreshes are conditional polls off the
// hot path (waitUntil); a snapshot that fails to validate or compile is NACKed and the last good
// one keeps serving; an applied one is ACKed at once so syncz shows SYNCED.

export interface XdsBinding {
  discover(req: DiscoveryRequest): Promise<DiscoveryResponse | { kind: 'error'; message: string }>;
}

export interface Applied<C> {
  snapshot: Snapshot;
  compiled: C;
  appliedAt: number;
}

export interface SnapshotClientOptions<C = unknown> {
  /** Poll interval; config changes take effect within about this long. */
  refreshMs: number;
  /** The poll interval a compiled snapshot asks for (MeshConfig `meshgate.refreshIntervalMs`), over `refreshMs`. */
  refreshOf?: (compiled: C) => number | undefined;
  /** How long the first request of a cold isolate waits for a snapshot. */
  coldWaitMs: number;
}

export class SnapshotClient<C> {
  private current?: Applied<C>;
  private lastPoll = -Infinity;
  private polling = false;
  /** The answer owed to the control plane for the last response (ACK or NACK). */
  private pending?: { nonce: string; error?: string };
  /** This isolate's xDS stream: its NACKs withhold a version from it alone. */
  private readonly stream = crypto.randomUUID();
  lastError?: string;

  constructor(
    readonly node: Node,
    private readonly compile: (s: Snapshot, previous: C | undefined) => C,
    private readonly opts: SnapshotClientOptions<C>,
    private readonly rt: Runtime,
  ) {}

  get applied(): Applied<C> | undefined {
    return this.current;
  }

  /** True while a discovery round trip is in flight; `lastPollAt` is when the last one started. */
  get busy(): boolean {
    return this.polling;
  }

  get lastPollAt(): number {
    return this.lastPoll;
  }

  /**
   * The compiled config for this request. Warm: returns at once and schedules a refresh when the
   * interval has passed. Cold: polls with a bounded wait; undefined when the control plane could
   * not be reached (the caller answers 503 and the next request tries again).
   */
  get(xds: XdsBinding, waitUntil: (p: Promise<unknown>) => void): C | Promise<C | undefined> {
    if (this.current) {
      const every = this.opts.refreshOf?.(this.current.compiled) ?? this.opts.refreshMs;
      if (!this.polling && this.rt.now() - this.lastPoll >= every) waitUntil(this.poll(xds));
      return this.current.compiled; // warm: no promise, no await on the hot path
    }
    return this.load(xds);
  }

  private async load(xds: XdsBinding): Promise<C | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.coldWaitMs)));
    await Promise.race([this.poll(xds, true), timeout]);
    clearTimeout(timer);
    return this.applied?.compiled;
  }

  /** One discovery round trip: answer the last response, apply what comes back, ACK/NACK it. */
  async poll(xds: XdsBinding, force = false): Promise<void> {
    if (this.polling && !force) return;
    this.polling = true;
    this.lastPoll = this.rt.now();
    try {
      const res = await xds.discover(this.request());
      this.pending = undefined;
      if (res.kind === 'error') {
        this.lastError = `control plane refused the discovery request: ${res.message}`;
        return;
      }
      if (res.kind === 'not-modified' || res.kind === 'delta') return; // this client asks for full snapshots only
      const outcome = this.apply(res.snapshot);
      this.pending = { nonce: res.nonce, ...(outcome ? { error: outcome } : {}) };
      // Answer at once so the control plane's syncz reflects the change without waiting a poll.
      const ack = await xds.discover(this.request());
      if (ack.kind !== 'error') this.pending = undefined;
    } catch (e) {
      this.lastError = `control plane unreachable: ${(e as Error).message}`;
    } finally {
      this.polling = false;
    }
  }

  private request(): DiscoveryRequest {
    return {
      node: this.node,
      stream: this.stream,
      ...(this.current ? { version_info: this.current.snapshot.version } : {}),
      ...(this.pending ? { response_nonce: this.pending.nonce } : {}),
      ...(this.pending?.error ? { error_detail: { message: this.pending.error } } : {}),
    };
  }

  /** Validates and compiles; returns the NACK reason, or undefined when applied. */
  private apply(raw: unknown): string | undefined {
    const parsed = Snapshot.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return (this.lastError = `snapshot does not match the schema at ${i.path.join('.')}: ${i.message}`);
    }
    try {
      const compiled = this.compile(parsed.data, this.current?.compiled);
      this.current = { snapshot: parsed.data, compiled, appliedAt: this.rt.now() };
      this.lastError = undefined;
      return undefined;
    } catch (e) {
      return (this.lastError = `cannot compile snapshot ${parsed.data.version}: ${(e as Error).message}`);
    }
  }
}
