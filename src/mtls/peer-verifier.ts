import { fromBase64 } from './encoding.ts';
import type { PeerCertificate } from './peer-certificate.ts';
import { checkChain, checkValidity, trustAnchors, type ChainCheck, type PeerVerification, type TrustAnchor } from './verify.ts';
import type { BundleRoot } from './bundle.ts';

// A verifier bound to one trust bundle, for the data plane: the roots are parsed once, and each
// distinct certificate (leaf + chain) is parsed and its signatures checked once — the result is
// cached (bounded, least recently used first out) and only the validity window is re-checked per
// request, against the request's clock.

/** Cloudflare empties certRFC9440 above 10 KiB and the chain above 16 KiB; nothing larger is parsed. */
const MAX_LEAF_B64 = 16 * 1024;
const MAX_CHAIN_B64 = 24 * 1024;
const MAX_CHAIN_LENGTH = 4;
export const DEFAULT_PEER_CACHE_SIZE = 512;

export class PeerVerifier {
  readonly #anchors: readonly TrustAnchor[];
  readonly #trustDomains: readonly string[] | undefined;
  readonly #max: number;
  readonly #cache = new Map<string, Promise<ChainCheck>>();

  /** Throws when a root is malformed (a config error: the snapshot is refused). */
  constructor(opts: { roots: readonly (string | BundleRoot)[]; trustDomains?: readonly string[]; cacheSize?: number }) {
    this.#anchors = trustAnchors(opts.roots);
    this.#trustDomains = opts.trustDomains;
    this.#max = Math.max(1, opts.cacheSize ?? DEFAULT_PEER_CACHE_SIZE);
  }

  get cached(): number {
    return this.#cache.size;
  }

  async verify(cert: PeerCertificate, at: number): Promise<PeerVerification> {
    if (cert.leaf.length > MAX_LEAF_B64) return { ok: false, reason: 'certificate is too large' };
    if (cert.chain.length > MAX_CHAIN_LENGTH || cert.chain.reduce((n, c) => n + c.length, 0) > MAX_CHAIN_B64) return { ok: false, reason: 'certificate chain is too long' };
    const key = cert.chain.length ? `${cert.leaf},${cert.chain.join(',')}` : cert.leaf;
    let check = this.#cache.get(key);
    if (check) {
      // Refresh its place: the least recently used entry is the one evicted.
      this.#cache.delete(key);
      this.#cache.set(key, check);
    } else {
      check = this.#check(cert);
      this.#cache.set(key, check);
      if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value!);
    }
    return checkValidity(await check, at);
  }

  async #check(cert: PeerCertificate): Promise<ChainCheck> {
    const leaf = fromBase64(cert.leaf);
    if (!leaf || !leaf.length) return { ok: false, reason: 'certificate is not valid base64 DER' };
    const intermediates: Uint8Array[] = [];
    for (const c of cert.chain) {
      const der = fromBase64(c);
      if (!der || !der.length) return { ok: false, reason: 'certificate chain is not valid base64 DER' };
      intermediates.push(der);
    }
    try {
      return await checkChain(leaf, { anchors: this.#anchors, intermediates, ...(this.#trustDomains ? { trustDomains: this.#trustDomains } : {}) });
    } catch {
      return { ok: false, reason: 'certificate could not be verified' };
    }
  }
}
