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
  /** A discovery round trip not answered in this long is given up; the next request starts another. Default 10 s. */
  discoverTimeoutMs?: number;
}

const DISCOVER_TIMEOUT_MS = 10_000;
/** How often a cold request that finds another request's load in flight looks for its result. */
const COLD_CHECK_MS = 10;
/** Newer snapshots applied in reply to an ACK within one poll, at most (then the next poll goes on). */
const MAX_CHAINED = 2;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SnapshotClient<C> {
  private current?: Applied<C>;
  private lastPoll = -Infinity;
  /** The discovery round trip in flight. A token, not a flag: one abandoned with its request never blocks later ones. */
  private inflight?: { started: number };
  /** The answer owed to the control plane for the last response (ACK or NACK). */
  private pending?: { nonce: string; error?: string };
  /** This isolate's xDS stream: its NACKs withhold a version from it alone. */
  private readonly stream = crypto.randomUUID();
  /** Why the control plane could not be reached or refused the request; cleared by its next answer. */
  private reachError?: string;
  /** Why the last snapshot offered was not applied; cleared when one is. */
  private applyError?: string;
  /** Resolves the cold load waiting for a snapshot, as soon as one is applied (before its ACK). */
  private onApplied?: () => void;

  /** The current problem, if any: reaching the control plane first, then applying its snapshot. */
  get lastError(): string | undefined {
    return this.reachError ?? this.applyError;
  }

  constructor(
    readonly node: Node,
    private readonly compile: (s: Snapshot, previous: C | undefined) => C,
    private readonly opts: SnapshotClientOptions<C>,
    private readonly rt: Runtime,
  ) {}

  get applied(): Applied<C> | undefined {
    return this.current;
  }

  /** True while a discovery round trip is in flight (and not yet past its deadline); `lastPollAt` is when the last one started. */
  get busy(): boolean {
    return this.inflight !== undefined && this.rt.now() - this.inflight.started < this.discoverTimeoutMs;
  }

  private get discoverTimeoutMs(): number {
    return this.opts.discoverTimeoutMs ?? DISCOVER_TIMEOUT_MS;
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
      if (!this.busy && this.rt.now() - this.lastPoll >= every) waitUntil(this.poll(xds));
      return this.current.compiled; // warm: no promise, no await on the hot path
    }
    return this.load(xds, waitUntil);
  }

  /**
   * A cold isolate: one load at a time, however many requests arrive together. The request that
   * starts it waits on it; the others watch isolate memory for its result (a request never awaits
   * another request's I/O), each for at most `coldWaitMs`.
   */
  private async load(xds: XdsBinding, waitUntil: (p: Promise<unknown>) => void): Promise<C | undefined> {
    let expired = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        expired = true;
        resolve();
      }, this.opts.coldWaitMs);
    });
    while (!this.current && !expired) {
      if (this.busy) {
        await sleep(COLD_CHECK_MS);
        continue;
      }
      // Kept alive past this request's answer, so a slow load still serves the requests after it.
      const applied = new Promise<void>((resolve) => (this.onApplied = resolve));
      const p = this.poll(xds);
      waitUntil(p);
      // Served as soon as the snapshot is applied; its ACK goes on in waitUntil.
      await Promise.race([p, applied, deadline]);
      this.onApplied = undefined; // never resolved from a later request's poll
      if (!this.current) break; // answered without a snapshot (or too late): 503, the next request tries again
    }
    clearTimeout(timer);
    return this.applied?.compiled;
  }

  /**
   * One discovery round trip: answer the last response, apply what comes back, ACK/NACK it. The
   * answer to the ACK may carry a newer snapshot: it is applied and answered too, as an xDS client
   * handles every response on its stream.
   */
  async poll(xds: XdsBinding): Promise<void> {
    if (this.busy) return;
    const mine = (this.inflight = { started: this.rt.now() });
    this.lastPoll = mine.started;
    try {
      let res = await this.discover(xds);
      this.pending = undefined;
      for (let chained = 0; ; chained++) {
        if (res.kind === 'error') {
          this.reachError = `control plane refused the discovery request: ${res.message}`;
          return;
        }
        this.reachError = undefined;
        this.pending = undefined;
        if (res.kind !== 'full' || chained > MAX_CHAINED) return; // this client asks for full snapshots only
        const outcome = this.apply(res.snapshot);
        this.pending = { nonce: res.nonce, ...(outcome ? { error: outcome } : {}) };
        // Answer at once so the control plane's syncz reflects the change without waiting a poll.
        res = await this.discover(xds);
      }
    } catch (e) {
      this.reachError = `control plane unreachable: ${(e as Error).message}`;
    } finally {
      if (this.inflight === mine) this.inflight = undefined;
    }
  }

  /** A discovery request with a deadline: a control plane that never answers cannot stall refreshes. */
  private async discover(xds: XdsBinding): ReturnType<XdsBinding['discover']> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${this.discoverTimeoutMs} ms`)), this.discoverTimeoutMs);
    });
    try {
      return await Promise.race([xds.discover(this.request()), deadline]);
    } finally {
      clearTimeout(timer);
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
      return (this.applyError = `snapshot does not match the schema at ${i.path.join('.')}: ${i.message}`);
    }
    // The version already serving (a repeated answer): nothing to compile, only an ACK to send.
    if (parsed.data.version === this.current?.snapshot.version) return undefined;
    try {
      const compiled = this.compile(parsed.data, this.current?.compiled);
      this.current = { snapshot: parsed.data, compiled, appliedAt: this.rt.now() };
      this.applyError = undefined;
      this.onApplied?.();
      this.onApplied = undefined;
      return undefined;
    } catch (e) {
      return (this.applyError = `cannot compile snapshot ${parsed.data.version}: ${(e as Error).message}`);
    }
  }
}
