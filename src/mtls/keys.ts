import { pemBlocks, toPem } from './encoding.ts';

// Key pairs and PKCS#8 PEM. Workload keys are always ECDSA P-256 (what Istio issues by default
// with ECC_SIGNATURE_ALGORITHM, and what Cloudflare's mtls_certificates accept). A CA key may
// also be P-384 or RSA when the operator brings their own (Istio's plug-in `cacerts`).

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** How a CA key signs, derived from its certificate's public key algorithm. */
export type SigningAlgorithm = { name: 'ECDSA'; namedCurve: 'P-256' | 'P-384'; hash: 'SHA-256' | 'SHA-384' } | { name: 'RSASSA-PKCS1-v1_5'; hash: 'SHA-256' };

export function signingAlgorithmFor(publicKeyAlgorithm: { name: string }): SigningAlgorithm | null {
  const a = publicKeyAlgorithm as { name: string; namedCurve?: string };
  if (a.name === 'ECDSA' && a.namedCurve === 'P-256') return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  if (a.name === 'ECDSA' && a.namedCurve === 'P-384') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  if (a.name === 'RSASSA-PKCS1-v1_5' || a.name === 'RSA-PSS' || a.name === 'RSA-OAEP') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return null;
}

export async function generateP256(extractable: boolean): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_P256, extractable, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function exportPkcs8Pem(key: CryptoKey): Promise<string> {
  return toPem('PRIVATE KEY', new Uint8Array((await crypto.subtle.exportKey('pkcs8', key)) as ArrayBuffer));
}

/**
 * Imports a PKCS#8 private key for `alg`. Errors never quote the key: they say what was expected.
 */
export async function importPkcs8Pem(pem: string, alg: SigningAlgorithm, extractable: boolean): Promise<CryptoKey> {
  const [der] = pemBlocks(pem, 'PRIVATE KEY');
  const expected = alg.name === 'ECDSA' ? `an ECDSA ${alg.namedCurve}` : 'an RSA';
  if (!der) {
    const hint = /-----BEGIN (EC|RSA) PRIVATE KEY-----/.test(pem) ? ' (it is in the legacy SEC1/PKCS#1 form: convert it with `openssl pkcs8 -topk8 -nocrypt`)' : '';
    throw new Error(`the CA private key is not a PEM "PRIVATE KEY" (PKCS#8) block${hint}`);
  }
  try {
    const params = alg.name === 'ECDSA' ? { name: 'ECDSA', namedCurve: alg.namedCurve } : { name: alg.name, hash: alg.hash };
    return await crypto.subtle.importKey('pkcs8', der, params, extractable, ['sign']);
  } catch {
    throw new Error(`the CA private key is not ${expected} PKCS#8 key matching the CA certificate`);
  }
}

/** Whether `privateKey` is the key of `publicKey` (signs a probe and verifies it). */
export async function keysMatch(privateKey: CryptoKey, publicKey: CryptoKey, alg: SigningAlgorithm): Promise<boolean> {
  const probe = new TextEncoder().encode('meshgate CA key check');
  const params = alg.name === 'ECDSA' ? { name: 'ECDSA', hash: alg.hash } : { name: alg.name };
  try {
    const sig = await crypto.subtle.sign(params, privateKey, probe);
    return await crypto.subtle.verify(params, publicKey, sig, probe);
  } catch {
    return false;
  }
}
