import { X509Certificate as NodeX509 } from 'node:crypto';
import { x509 } from '../../../src/mtls/x509.ts';
import { MeshCa, pemBlocks, toPem } from '../../../src/mtls/index.ts';

export * from '../../../src/mtls/index.ts';

export const x509ForTests = (pem: string) => new x509.X509Certificate(pem);
export const nodeX509 = (pem: string) => new NodeX509(pem);
export const derOf = (pem: string) => pemBlocks(pem, 'CERTIFICATE')[0]!;
export const b64Of = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * An operator's plug-in CA (Istio `cacerts`): a root and an intermediate signed by it, made with
 * the same library, so MeshCa.load can be tested with an intermediate signing certificate.
 */
export async function pluginCa(trustDomain: string, now: number) {
  const rootKeys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Operator Root CA, O=Example',
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 365 * 86_400_000),
    keys: rootKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const imKeys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=Intermediate CA, O=Example',
    issuer: root.subjectName,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 180 * 86_400_000),
    publicKey: imKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const keyPem = toPem('PRIVATE KEY', new Uint8Array((await crypto.subtle.exportKey('pkcs8', imKeys.privateKey)) as ArrayBuffer));
  const caCertPem = intermediate.toString('pem') + '\n';
  const rootPem = root.toString('pem') + '\n';
  const ca = await MeshCa.load({ trustDomain, certPem: caCertPem, keyPem, chainPem: [caCertPem, rootPem], rootPem, now });
  return { ca, rootPem, caCertPem, keyPem };
}
