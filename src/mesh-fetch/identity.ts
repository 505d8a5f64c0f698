import { IDENTITY_AUDIENCE, type IdentityTokenResult } from '../mtls/workload-identity.ts';

// The Worker side of workload identity (docs/identity.md "Workload identity for Workers"): trade
// the bootstrap secret for a JWT-SVID over the RPC binding to the control plane's XdsService,
// keep it in isolate memory (keyed by the secret's hash, never the secret), and renew it when a
// third of its lifetime is left — in the background while the current token is still good, so
// renewal stays off the request path. Neither the secret nor a token is ever logged or put in an
// error message.

/** The part of the control plane's XdsService entrypoint (an RPC service binding) used here. */
export interface MeshIdentityBinding {
  identityToken(secret: string, audience?: string): Promise<IdentityTokenResult>;
}

/** Below this much remaining lifetime a token is not presented; a fresh one is awaited instead. */
const MIN_REMAINING_MS = 15_000;
const MAX_ENTRIES = 64;

interface Entry {
  token?: string;
  issuedAt: number;
  expiresAt: number;
  pending?: Promise<string>;
}

const cache = new Map<string, Entry>();

/** Test hook: forget every cached token. */
export function clearIdentityTokenCache(): void {
  cache.clear();
}

async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

function isBinding(v: unknown): v is MeshIdentityBinding {
  return typeof v === 'object' && v !== null && typeof (v as { identityToken?: unknown }).identityToken === 'function';
}

export class IdentityTokenSource {
  #key?: Promise<string>;
  readonly #secret: string;

  constructor(
    private readonly rpc: MeshIdentityBinding,
    secret: string,
    private readonly opts: { audience?: string; now?: () => number; waitUntil?: (p: Promise<unknown>) => void } = {},
  ) {
    if (!isBinding(rpc)) throw new Error('meshFetch: the identity binding is not an RPC binding to the control plane (entrypoint "XdsService")');
    if (typeof secret !== 'string' || secret === '') throw new Error('meshFetch: identity.secret is empty (set MESHGATE_IDENTITY_SECRET with `wrangler secret put`)');
    this.#secret = secret;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private key(): Promise<string> {
    return (this.#key ??= sha256Hex(this.#secret).then((h) => `${h}|${this.opts.audience ?? IDENTITY_AUDIENCE}`));
  }

  /** A JWT-SVID with more than a little lifetime left, fetching or renewing as needed. */
  async token(): Promise<string> {
    const key = await this.key();
    let e = cache.get(key);
    const now = this.now();
    if (e?.token) {
      const remaining = e.expiresAt - now;
      if (remaining > MIN_REMAINING_MS) {
        if (remaining < (e.expiresAt - e.issuedAt) / 3 && !e.pending) {
          // Renew in the background; the current token is still good for this request.
          const p = this.fetch(key, e).catch(() => undefined);
          this.opts.waitUntil?.(p);
        }
        return e.token;
      }
    }
    if (!e) {
      e = { issuedAt: 0, expiresAt: 0 };
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, e);
    }
    return e.pending ?? this.fetch(key, e);
  }

  private fetch(key: string, e: Entry): Promise<string> {
    const p = (async () => {
      let r: IdentityTokenResult;
      try {
        r = await this.rpc.identityToken(this.#secret, this.opts.audience);
      } catch (err) {
        throw new Error(`meshFetch: could not reach the control plane for a workload identity token: ${(err as Error).message}`);
      }
      if (!r || !r.ok) throw new Error(`meshFetch: the control plane refused a workload identity token: ${r?.error ?? 'no answer'}`);
      Object.assign(e, { token: r.token, issuedAt: this.now(), expiresAt: r.expiresAt });
      cache.set(key, e);
      return r.token;
    })();
    e.pending = p;
    void p.then(
      () => { if (e.pending === p) delete e.pending; },
      () => { if (e.pending === p) delete e.pending; },
    );
    return p;
  }
}
