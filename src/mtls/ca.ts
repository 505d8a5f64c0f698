import type { JWK } from 'jose';
import { x509 } from './x509.ts';
import { pemBlocks, toHex, toPem } from './encoding.ts';
import { EC_P256, exportPkcs8Pem, generateP256, importPkcs8Pem, keysMatch, signingAlgorithmFor, type SigningAlgorithm } from './keys.ts';
import { formatSpiffeId } from './spiffe.ts';
import { JwtSvidSigner } from './jwt-svid.ts';

// meshgate's Citadel: the mesh CA that lives in the control plane. Either a root it generates
// (ECDSA P-256, self-signed, 10 years, as istiod's self-signed CA) or the operator's own signing
// certificate and key, like Istio's plug-in `cacerts` (ca-cert.pem, ca-key.pem, cert-chain.pem,
// root-cert.pem). https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/
// It issues X.509 SVIDs and JWT-SVIDs. Private keys stay in private fields: JSON and logs of a
// MeshCa show only public material; {@link MeshCa.exportSecret} is the one way out, for storage.

const DAY = 86_400_000;
export const DEFAULT_ROOT_LIFETIME_MS = 3650 * DAY;
/** Istio's default workload certificate lifetime (DEFAULT_WORKLOAD_CERT_TTL). */
export const DEFAULT_SVID_TTL_MS = DAY;
/** Certificates start a little in the past so peers with a slightly slow clock accept them. */
const BACKDATE_MS = 60_000;

/** What the control plane stores (a secret: never in a snapshot, config dump or log). */
export interface CaSecret {
  trustDomain: string;
  /** The signing certificate (the root, or the operator's intermediate). */
  certPem: string;
  /** PKCS#8 private key of the signing certificate. */
  keyPem: string;
  /** Certificates from the signing certificate's issuer up to the root (Istio's cert-chain.pem minus ca-cert). */
  chainPem: string[];
  rootPem: string;
  /** Private JWK of the JWT-SVID signing key. */
  jwtKey: JWK;
}

export interface IssuedSvid {
  spiffeId: string;
  /** The leaf certificate. */
  certPem: string;
  /** PKCS#8 private key of the leaf: goes to the workload only. */
  keyPem: string;
  /** Leaf followed by the intermediates, root excluded: what a TLS client presents. */
  chainPem: string[];
  /** The root it chains to (for the workload's trust store). */
  rootPem: string;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
}

function randomSerial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f; // positive INTEGER (RFC 5280 §4.1.2.2)
  if (b[0] === 0) b[0] = 1; // no leading zero octet
  return toHex(b);
}

function parseCert(pem: string, what: string): x509.X509Certificate {
  const [der] = pemBlocks(pem, 'CERTIFICATE');
  if (!der) throw new Error(`${what} is not a PEM "CERTIFICATE" block`);
  try {
    return new x509.X509Certificate(der);
  } catch {
    throw new Error(`${what} is not a valid X.509 certificate`);
  }
}

const pemOf = (c: x509.X509Certificate) => toPem('CERTIFICATE', new Uint8Array(c.rawData));

export class MeshCa {
  readonly trustDomain: string;
  readonly certPem: string;
  readonly chainPem: readonly string[];
  readonly rootPem: string;
  /** Expiry of the signing certificate (bounds issuance). */
  readonly notAfter: Date;
  /** Expiry of the root (bounds trust). */
  readonly rootNotAfter: Date;
  readonly jwt: JwtSvidSigner;
  readonly #cert: x509.X509Certificate;
  readonly #key: CryptoKey;
  readonly #alg: SigningAlgorithm;
  /** What a leaf's chain carries above it: nothing when the root signs directly. */
  readonly #intermediates: readonly string[];

  private constructor(trustDomain: string, cert: x509.X509Certificate, key: CryptoKey, alg: SigningAlgorithm, chain: x509.X509Certificate[], root: x509.X509Certificate, jwt: JwtSvidSigner) {
    this.trustDomain = trustDomain;
    this.#cert = cert;
    this.#key = key;
    this.#alg = alg;
    this.certPem = pemOf(cert);
    this.chainPem = chain.map(pemOf);
    this.rootPem = pemOf(root);
    this.notAfter = cert.notAfter;
    this.rootNotAfter = root.notAfter;
    this.jwt = jwt;
    this.#intermediates = toHex(cert.rawData) === toHex(root.rawData) ? [] : [this.certPem, ...this.chainPem];
  }

  /** A new self-signed root (ECDSA P-256, CA:true, keyCertSign|cRLSign) and JWT-SVID key. */
  static async generate(opts: { trustDomain: string; now?: number; lifetimeMs?: number }): Promise<MeshCa> {
    const now = opts.now ?? Date.now();
    const keys = await generateP256(true);
    const alg: SigningAlgorithm = { ...EC_P256, hash: 'SHA-256' };
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      // Istio's self-signed root names only the organization: its trust domain.
      name: [{ O: [opts.trustDomain] }, { CN: ['meshgate mesh root CA'] }],
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + (opts.lifetimeMs ?? DEFAULT_ROOT_LIFETIME_MS)),
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new MeshCa(opts.trustDomain, cert, keys.privateKey, alg, [], cert, await JwtSvidSigner.generate());
  }

  /**
   * The operator's CA (plug-in `cacerts`): signing certificate + PKCS#8 key, optionally the chain
   * up to the root and the root itself (needed when the signing certificate is an intermediate).
   * The key must match the certificate, which must be a CA valid at `now`.
   */
  static async load(opts: { trustDomain: string; certPem: string; keyPem: string; chainPem?: string | readonly string[]; rootPem?: string; jwtKey?: JWK; now?: number }): Promise<MeshCa> {
    const cert = parseCert(opts.certPem, 'the CA certificate (ca-cert.pem)');
    const alg = signingAlgorithmFor(cert.publicKey.algorithm);
    if (!alg) throw new Error(`the CA certificate's key algorithm ${cert.publicKey.algorithm.name} is not supported (use ECDSA P-256/P-384 or RSA)`);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    if (!bc?.ca) throw new Error('the CA certificate (ca-cert.pem) is not a CA certificate (basicConstraints CA:TRUE is missing)');
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    if (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign)) throw new Error('the CA certificate (ca-cert.pem) may not sign certificates (keyUsage lacks keyCertSign)');
    const now = opts.now ?? Date.now();
    if (cert.notAfter.getTime() <= now) throw new Error(`the CA certificate (ca-cert.pem) expired on ${cert.notAfter.toISOString()}`);
    const key = await importPkcs8Pem(opts.keyPem, alg, true);
    if (!(await keysMatch(key, await cert.publicKey.export(alg.name === 'ECDSA' ? { name: 'ECDSA', namedCurve: alg.namedCurve } : { name: alg.name, hash: alg.hash }, ['verify']), alg))) {
      throw new Error('the CA private key (ca-key.pem) does not belong to the CA certificate (ca-cert.pem)');
    }
    const chainText = typeof opts.chainPem === 'string' ? opts.chainPem : (opts.chainPem ?? []).join('\n');
    let chain = pemBlocks(chainText, 'CERTIFICATE').map((d) => new x509.X509Certificate(d));
    // Istio's cert-chain.pem starts with ca-cert itself; keep only what is above it.
    if (chain[0] && toHex(chain[0].rawData) === toHex(cert.rawData)) chain = chain.slice(1);
    let root: x509.X509Certificate;
    if (opts.rootPem) root = parseCert(opts.rootPem, 'the root certificate (root-cert.pem)');
    else if (await cert.isSelfSigned()) root = cert;
    else if (chain.length && (await chain[chain.length - 1]!.isSelfSigned())) root = chain[chain.length - 1]!;
    else throw new Error('the CA certificate is an intermediate: give the root certificate (root-cert.pem) too');
    const rootDer = toHex(root.rawData);
    chain = chain.filter((c) => toHex(c.rawData) !== rootDer);
    const jwt = opts.jwtKey ? await JwtSvidSigner.fromPrivateJwk(opts.jwtKey) : await JwtSvidSigner.generate();
    return new MeshCa(opts.trustDomain, cert, key, alg, chain, root, jwt);
  }

  /** Loads what {@link exportSecret} stored. */
  static async fromSecret(s: CaSecret, now?: number): Promise<MeshCa> {
    return MeshCa.load({ trustDomain: s.trustDomain, certPem: s.certPem, keyPem: s.keyPem, chainPem: s.chainPem, rootPem: s.rootPem, jwtKey: s.jwtKey, ...(now !== undefined ? { now } : {}) });
  }

  /** The CA's private material, for the control plane's storage (Durable Object storage) only. */
  async exportSecret(): Promise<CaSecret> {
    return {
      trustDomain: this.trustDomain,
      certPem: this.certPem,
      keyPem: await exportPkcs8Pem(this.#key),
      chainPem: [...this.chainPem],
      rootPem: this.rootPem,
      jwtKey: await this.jwt.exportPrivateJwk(),
    };
  }

  /**
   * Issues an X.509 SVID for `ns`/`sa` with a fresh P-256 key: URI SAN = SPIFFE ID (critical, as the
   * subject is empty), keyUsage digitalSignature only (an ECDSA key enciphers nothing), EKU serverAuth+clientAuth, CA:false. Its lifetime
   * never outlasts the CA certificate. https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md
   */
  async issueSvid(opts: { namespace: string; serviceAccount: string; ttlMs?: number; now?: number }): Promise<IssuedSvid> {
    const spiffeId = formatSpiffeId(this.trustDomain, opts.namespace, opts.serviceAccount);
    const now = opts.now ?? Date.now();
    const ttl = opts.ttlMs ?? DEFAULT_SVID_TTL_MS;
    if (!(ttl > 0)) throw new Error('the certificate lifetime must be positive');
    if (this.#cert.notAfter.getTime() <= now) throw new Error(`the mesh CA certificate expired on ${this.#cert.notAfter.toISOString()}; rotate the root`);
    const notBefore = new Date(Math.max(now - BACKDATE_MS, this.#cert.notBefore.getTime()));
    const notAfter = new Date(Math.min(now + ttl, this.#cert.notAfter.getTime()));
    const keys = await generateP256(true);
    const serialNumber = randomSerial();
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: '',
      issuer: this.#cert.subjectName,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: this.#key,
      signingAlgorithm: this.#alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true),
        await x509.AuthorityKeyIdentifierExtension.create(this.#cert.publicKey),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const certPem = pemOf(leaf);
    return { spiffeId, certPem, keyPem: await exportPkcs8Pem(keys.privateKey), chainPem: [certPem, ...this.#intermediates], rootPem: this.rootPem, notBefore, notAfter, serialNumber };
  }

  /** Issues a JWT-SVID for `ns`/`sa` (ES256, `sub` = SPIFFE ID). */
  async issueJwtSvid(opts: { namespace: string; serviceAccount: string; audience: string | string[]; ttlMs?: number; now?: number }): Promise<string> {
    return this.jwt.issue({ spiffeId: formatSpiffeId(this.trustDomain, opts.namespace, opts.serviceAccount), audience: opts.audience, ...(opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {}), ...(opts.now !== undefined ? { now: opts.now } : {}) });
  }

  /** Public view only (so logging or serializing a MeshCa can never leak a key). */
  toJSON(): { trustDomain: string; certPem: string; chainPem: readonly string[]; rootPem: string; notAfter: string; jwtKid: string } {
    return { trustDomain: this.trustDomain, certPem: this.certPem, chainPem: this.chainPem, rootPem: this.rootPem, notAfter: this.notAfter.toISOString(), jwtKid: this.jwt.kid };
  }
}
