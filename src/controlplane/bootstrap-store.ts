// Per-workload bootstrap secrets (docs/identity.md "Workload identity for Workers"): the credential
// a Worker presents to the control plane to get JWT-SVIDs for its namespace/serviceAccount. Only
// the SHA-256 of each secret is stored; the secret itself is returned once, at creation, and is
// never logged. One secret per workload: issuing again replaces (revokes) the previous one.

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Kubernetes-style names (DNS-1123): what a SPIFFE ID path segment of ours may be. */
export function isWorkloadName(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 253 && NAME.test(v);
}

export async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two equal-length hex digests without an early exit. */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** 32 random bytes, base64url, with a recognizable prefix (for secret scanners). */
export function newBootstrapSecret(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return 'mgid_' + btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export interface Workload {
  namespace: string;
  serviceAccount: string;
}

export class BootstrapStore {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS identity_bootstrap (ns TEXT NOT NULL, sa TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (ns, sa))`);
  }

  /** A new secret for the workload, replacing any previous one. Returned once; only its hash is kept. */
  async create(w: Workload, now = Date.now()): Promise<string> {
    const secret = newBootstrapSecret();
    this.storage.sql.exec(
      'INSERT INTO identity_bootstrap (ns, sa, hash, created) VALUES (?, ?, ?, ?) ON CONFLICT(ns, sa) DO UPDATE SET hash = excluded.hash, created = excluded.created',
      w.namespace, w.serviceAccount, await sha256Hex(secret), new Date(now).toISOString(),
    );
    return secret;
  }

  /** The workload a secret belongs to, comparing hashes in constant time (every row is compared). */
  async lookup(secret: string): Promise<Workload | undefined> {
    if (typeof secret !== 'string' || secret === '') return undefined;
    const h = await sha256Hex(secret);
    let found: Workload | undefined;
    for (const r of this.storage.sql.exec<{ ns: string; sa: string; hash: string }>('SELECT ns, sa, hash FROM identity_bootstrap').toArray()) {
      if (sameDigest(r.hash, h) && !found) found = { namespace: r.ns, serviceAccount: r.sa };
    }
    return found;
  }
}
