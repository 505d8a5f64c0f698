import { DurableObject } from 'cloudflare:workers';
import type { Resource } from '../config/meta.ts';
import { DiscoveryRequest, type Node } from '../xds/protocol.ts';
import { ConfigStore, ConflictError, NotFoundError, ResourceError, TooLargeError, type StoredRef } from './store.ts';
import { XdsServer } from './xds-server.ts';
import { ProxyStateStore } from './proxy-state-store.ts';
import { Debounce } from './debounce.ts';
import { CaStore, type CaEnv } from './ca-store.ts';
import { BootstrapStore, isWorkloadName } from './bootstrap-store.ts';
import { IDENTITY_AUDIENCE, IDENTITY_TOKEN_TTL_MS, type IdentityTokenResult } from '../mtls/workload-identity.ts';
import { parseMeshConfig } from '../config/kinds/mesh/mesh-config.ts';

export type Outcome<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 409 | 413; message: string; at?: ResourceError['at'] };

interface SocketAttachment {
  node: Node;
  version?: string;
}

/**
 * The mesh's single writer (istiod): the config store, the translator and the xDS server. One
 * instance per mesh; gateways reach it by RPC (`discover`), long-lived clients over a hibernating
 * WebSocket ADS stream that is pushed to on every change (debounced).
 */
export class MeshControlPlane extends DurableObject {
  private readonly store: ConfigStore;
  private readonly xds: XdsServer;
  private readonly debounce = new Debounce();

  private readonly ca: CaStore;
  private readonly bootstrap: BootstrapStore;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.store = new ConfigStore(ctx.storage);
    this.ca = new CaStore(ctx.storage);
    this.bootstrap = new BootstrapStore(ctx.storage);
    this.xds = new XdsServer(() => ({ resources: this.store.list(), version: this.store.version(), trustBundle: this.ca.trust() }), Date.now, new ProxyStateStore(ctx.storage));
    void ctx.blockConcurrencyWhile(() => this.ca.init(this.trustDomain(), (env ?? {}) as CaEnv));
  }

  private trustDomain(): string {
    const cm = this.store.get({ group: '', kind: 'ConfigMap', namespace: 'istio-system', name: 'istio' });
    try {
      return parseMeshConfig((cm?.spec as { mesh?: string } | undefined)?.mesh).trustDomain ?? 'cluster.local';
    } catch {
      return 'cluster.local';
    }
  }

  /** The public trust bundle (`meshgate ca bundle`). */
  caBundle() {
    return this.ca.bundleView();
  }

  /** An X.509 SVID and its key, for a workload outside the edge (`meshgate ca issue`). Never logged. */
  async caIssue(namespace: string, serviceAccount: string, ttlMs?: number) {
    return this.ca.issue(namespace, serviceAccount, ttlMs);
  }

  /** A new bootstrap secret for a Worker's identity, replacing the previous one (`meshgate ca bootstrap`). Returned once. */
  async identityBootstrap(namespace: string, serviceAccount: string): Promise<Outcome<{ secret: string; spiffeId: string }>> {
    if (!isWorkloadName(namespace) || !isWorkloadName(serviceAccount)) return { ok: false, status: 400, message: 'namespace and serviceAccount must be DNS-1123 names' };
    const secret = await this.bootstrap.create({ namespace, serviceAccount });
    return { ok: true, value: { secret, spiffeId: `spiffe://${this.trustDomain()}/ns/${namespace}/sa/${serviceAccount}` } };
  }

  /**
   * A short-lived JWT-SVID for the Worker whose bootstrap secret this is (XdsService.identityToken).
   * Errors never echo the secret; neither the secret nor the token is logged.
   */
  async identityToken(secret: string, audience?: string): Promise<IdentityTokenResult> {
    const w = await this.bootstrap.lookup(secret);
    if (!w) return { ok: false, error: 'unknown bootstrap secret: create one with `meshgate ca bootstrap -n NS --service-account SA`' };
    const aud = audience ?? IDENTITY_AUDIENCE;
    if (typeof aud !== 'string' || aud === '' || aud.length > 256) return { ok: false, error: 'audience must be a non-empty string' };
    const t = await this.ca.issueJwt(w.namespace, w.serviceAccount, aud, IDENTITY_TOKEN_TTL_MS);
    return { ok: true, token: t.token, expiresAt: t.expiresAt, spiffeId: t.spiffeId };
  }

  /** A new root; the old one stays trusted for `overlapMs` (default 7 days). */
  async caRotate(overlapMs?: number) {
    await this.ca.rotate(this.trustDomain(), overlapMs);
    await this.changed();
    return this.ca.bundleView();
  }

  version(): number {
    return this.store.version();
  }

  list(filter: { group?: string; kind?: string; namespace?: string }): Resource[] {
    return this.store.list(filter);
  }

  get(ref: StoredRef): Resource | undefined {
    return this.store.get(ref);
  }

  async apply(resources: Resource[], opts: { dryRun?: boolean; checkResourceVersion?: boolean } = {}) {
    const out = guard(() =>
      this.store.apply(resources, {
        dryRun: opts.dryRun,
        expectResourceVersion: opts.checkResourceVersion ? (r) => r.metadata.resourceVersion : undefined,
      }),
    );
    if (out.ok && !opts.dryRun && out.value.results.some((r) => r.action !== 'unchanged')) await this.changed();
    return out;
  }

  async remove(refs: StoredRef[], opts: { dryRun?: boolean; requireExisting?: boolean } = {}) {
    const out = guard(() => this.store.delete(refs, opts));
    if (out.ok && !opts.dryRun && out.value.results.some((r) => r.action === 'deleted')) await this.changed();
    return out;
  }

  /** xDS: one discovery request (poll), answered full, delta or not-modified. */
  async discover(request: unknown) {
    const req = DiscoveryRequest.safeParse(request);
    if (!req.success) return { kind: 'error' as const, message: `invalid discovery request: ${req.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
    return this.xds.discover(req.data);
  }

  syncz() {
    return this.xds.syncz();
  }

  async configDump(proxyId: string) {
    return this.xds.configDump(proxyId);
  }

  /** The ADS WebSocket (already authenticated by the admin worker). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message));
    } catch {
      ws.send(JSON.stringify({ kind: 'error', message: 'messages must be JSON DiscoveryRequests' }));
      return;
    }
    const req = DiscoveryRequest.safeParse(parsed);
    if (!req.success) {
      // Answered with the error; nothing about an invalid request is kept for later pushes.
      ws.send(JSON.stringify(await this.discover(parsed)));
      return;
    }
    const res = await this.xds.discover(req.data);
    const prev = ws.deserializeAttachment() as SocketAttachment | null;
    ws.serializeAttachment({ node: req.data.node, version: req.data.version_info ?? prev?.version } satisfies SocketAttachment);
    ws.send(JSON.stringify(res));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the close handshake (RFC 6455 §5.5.1): a hibernatable socket is not auto-answered
    // in local workerd, and a client left in CLOSING (`proxy-config --watch` on Ctrl-C) never
    // exits. Where the runtime already answered, close() is a no-op. 1005/1006 cannot be sent.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async alarm(): Promise<void> {
    this.debounce.fired();
    for (const ws of this.ctx.getWebSockets()) {
      const a = ws.deserializeAttachment() as SocketAttachment | null;
      const att = DiscoveryRequest.safeParse({ node: a?.node, ...(a?.version ? { version_info: a.version } : {}) });
      if (!att.success) continue;
      try {
        const res = await this.xds.discover(att.data);
        if (res.kind !== 'not-modified') ws.send(JSON.stringify(res));
      } catch (e) {
        // One client's trouble (a closed socket) never stops the pushes to the others.
        console.warn(`xds: push to ${att.data.node.id} failed: ${(e as Error).message}`);
      }
    }
  }

  private async changed() {
    this.xds.invalidate();
    if (this.ctx.getWebSockets().length) await this.ctx.storage.setAlarm(this.debounce.schedule(Date.now()));
  }
}

function guard<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    const at = e instanceof ResourceError && e.at ? { at: e.at } : {};
    if (e instanceof ConflictError) return { ok: false, status: 409, message: e.message, ...at };
    if (e instanceof NotFoundError) return { ok: false, status: 404, message: e.message, ...at };
    if (e instanceof TooLargeError) return { ok: false, status: 413, message: e.message, ...at };
    throw e;
  }
}
