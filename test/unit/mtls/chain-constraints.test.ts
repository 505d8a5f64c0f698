import { describe, expect, test } from 'vitest';
import { x509 } from '../../../src/mtls/x509.ts';
import { verifyPeerCertificate } from '../../../src/mtls/verify.ts';

// RFC 5280 path constraints a peer certificate must meet, as BoringSSL enforces them for Envoy:
// basicConstraints pathLenConstraint (§4.2.1.9) and, for a client, an extendedKeyUsage that
// allows client authentication when the leaf has one. Real certificates, made here.

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const gen = () => crypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const win = { notBefore: new Date(T0 - 3_600_000), notAfter: new Date(T0 + 86_400_000) };
const caExt = (pathLen?: number) => [new x509.BasicConstraintsExtension(true, pathLen, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)];

async function ca(name: string, issuer?: { cert: x509.X509Certificate; keys: CryptoKeyPair }, pathLen?: number) {
  const keys = await gen();
  const cert = issuer
    ? await x509.X509CertificateGenerator.create({ serialNumber: '02', subject: name, issuer: issuer.cert.subjectName, ...win, publicKey: keys.publicKey, signingKey: issuer.keys.privateKey, signingAlgorithm: ALG, extensions: caExt(pathLen) })
    : await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name, ...win, keys, signingAlgorithm: ALG, extensions: caExt(pathLen) });
  return { cert, keys };
}

async function leaf(issuer: { cert: x509.X509Certificate; keys: CryptoKeyPair }, ekus: string[] | undefined) {
  const keys = await gen();
  return x509.X509CertificateGenerator.create({
    serialNumber: '04', subject: '', issuer: issuer.cert.subjectName, ...win, publicKey: keys.publicKey, signingKey: issuer.keys.privateKey, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...(ekus ? [new x509.ExtendedKeyUsageExtension(ekus)] : []),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://cluster.local/ns/istio-system/sa/admin' }], true),
    ],
  });
}

const verify = (l: x509.X509Certificate, root: x509.X509Certificate, chain: x509.X509Certificate[]) =>
  verifyPeerCertificate(new Uint8Array(l.rawData), { roots: [root.toString('pem')], intermediates: chain.map((c) => new Uint8Array(c.rawData)), trustDomains: ['cluster.local'], at: T0 });

describe('peer certificate path constraints', () => {
  test('a sub-CA under an intermediate with pathLen 0 issues no valid peer certificate', async () => {
    const root = await ca('CN=Root');
    const team = await ca('CN=Team CA', root, 0);
    const rogue = await ca('CN=Rogue sub CA', team);
    const r = await verify(await leaf(rogue, undefined), root.cert, [rogue.cert, team.cert]);
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('does not chain') });
    // The team CA's own leaves are fine.
    expect(await verify(await leaf(team, undefined), root.cert, [team.cert])).toMatchObject({ ok: true });
  });

  test("a root's pathLen counts the intermediates below it", async () => {
    const root = await ca('CN=Root', undefined, 0);
    const im = await ca('CN=Intermediate', root);
    expect(await verify(await leaf(im, undefined), root.cert, [im.cert])).toMatchObject({ ok: false });
    expect(await verify(await leaf(root, undefined), root.cert, [])).toMatchObject({ ok: true });
  });

  test('an extendedKeyUsage without clientAuth is no client identity; clientAuth or no EKU is', async () => {
    const root = await ca('CN=Root');
    expect(await verify(await leaf(root, [x509.ExtendedKeyUsage.serverAuth]), root.cert, [])).toMatchObject({ ok: false, reason: expect.stringContaining('clientAuth') });
    expect(await verify(await leaf(root, [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]), root.cert, [])).toMatchObject({ ok: true });
  });
});
