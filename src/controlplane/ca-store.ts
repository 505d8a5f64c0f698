import { bundleJwks, bundleOf, bundlePem, MeshCa, pruneBundle, rotateBundle, type CaSecret, type IssuedSvid, type TrustBundle } from '../mtls/index.ts';

// The mesh CA (meshgate's Citadel) in the Durable Object's own storage: created on first start
// (or loaded from the operator's `MESHGATE_CA_CERT` / `MESHGATE_CA_KEY` secrets, like Istio's
// plug-in `cacerts`), its private keys kept in a table no API lists, never in config, snapshots,
// config dumps or logs. Only the trust bundle (roots, JWT-SVID public keys) leaves.

export interface CaEnv {
  MESHGATE_CA_CERT?: string;
  MESHGATE_CA_KEY?: string;
  /** PEM certificates from the CA's issuer up to the root (an intermediate CA). */
  MESHGATE_CA_CHAIN?: string;
}

export class CaStore {
  private ca?: MeshCa;
  private bundle?: TrustBundle;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS ca (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
  }

  private read<T>(k: string): T | undefined {
    const row = this.storage.sql.exec<{ v: string }>('SELECT v FROM ca WHERE k = ?', k).toArray()[0];
    return row ? (JSON.parse(row.v) as T) : undefined;
  }

  private write(k: string, v: unknown) {
    this.storage.sql.exec('INSERT INTO ca (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v', k, JSON.stringify(v));
  }

  /** Loads the CA, creating it the first time. */
  async init(trustDomain: string, env: CaEnv): Promise<void> {
    if (this.ca) return;
    const stored = this.read<CaSecret>('secret');
    if (stored) {
      this.ca = await MeshCa.fromSecret(stored);
      this.bundle = this.read<TrustBundle>('bundle') ?? bundleOf(this.ca);
      return;
    }
    this.ca = env.MESHGATE_CA_CERT && env.MESHGATE_CA_KEY
      ? await MeshCa.load({ trustDomain, certPem: env.MESHGATE_CA_CERT, keyPem: env.MESHGATE_CA_KEY, ...(env.MESHGATE_CA_CHAIN ? { chainPem: env.MESHGATE_CA_CHAIN } : {}) })
      : await MeshCa.generate({ trustDomain });
    this.bundle = bundleOf(this.ca);
    this.write('secret', await this.ca.exportSecret());
    this.write('bundle', this.bundle);
  }

  /**
   * The public trust bundle, as snapshots carry it, and when it next changes by itself: the
   * moment a rotated-out root or JWT key retires, after which snapshots must leave it out.
   */
  trust(now = Date.now()): { roots: string[]; jwks: string; changesAt?: number } | undefined {
    if (!this.bundle) return undefined;
    const b = pruneBundle(this.bundle, now);
    const ends = [...b.roots.map((r) => r.notAfter), ...b.jwtKeys.flatMap((k) => (k.notAfter ? [k.notAfter] : []))].map(Date.parse);
    return { roots: b.roots.map((r) => r.pem), jwks: JSON.stringify(bundleJwks(b, now)), ...(ends.length ? { changesAt: Math.min(...ends) } : {}) };
  }

  bundleView(now = Date.now()): { trustDomain: string; pem: string; jwks: unknown } | undefined {
    if (!this.bundle) return undefined;
    return { trustDomain: this.bundle.trustDomain, pem: bundlePem(this.bundle, now), jwks: bundleJwks(this.bundle, now) };
  }

  /** An X.509 SVID for a workload outside the edge (`meshgate ca issue`); the key goes to the caller only. */
  async issue(namespace: string, serviceAccount: string, ttlMs?: number): Promise<IssuedSvid> {
    if (!this.ca) throw new Error('the mesh CA is not initialized');
    return this.ca.issueSvid({ namespace, serviceAccount, ...(ttlMs ? { ttlMs } : {}) });
  }

  /** A JWT-SVID for a workload (its bootstrap secret already checked by the caller). */
  async issueJwt(namespace: string, serviceAccount: string, audience: string, ttlMs: number, now = Date.now()): Promise<{ token: string; spiffeId: string; expiresAt: number }> {
    if (!this.ca) throw new Error('the mesh CA is not initialized');
    const token = await this.ca.issueJwtSvid({ namespace, serviceAccount, audience, ttlMs, now });
    // exp is whole seconds (JwtSvidSigner.issue).
    const expiresAt = (Math.floor(now / 1000) + Math.max(1, Math.floor(ttlMs / 1000))) * 1000;
    return { token, spiffeId: `spiffe://${this.ca.trustDomain}/ns/${namespace}/sa/${serviceAccount}`, expiresAt };
  }

  /** A new root; the old one stays trusted for the overlap. */
  async rotate(trustDomain: string, overlapMs?: number): Promise<void> {
    const next = await MeshCa.generate({ trustDomain });
    this.bundle = rotateBundle(this.bundle ?? bundleOf(next), next, overlapMs !== undefined ? { overlapMs } : {});
    this.ca = next;
    this.write('secret', await next.exportSecret());
    this.write('bundle', this.bundle);
  }
}
