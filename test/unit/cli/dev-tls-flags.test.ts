import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tlsBindingsFromFlags } from '../../../src/cli/commands/dev.ts';
import { UsageError } from '../../../src/cli/errors.ts';

// `meshgate dev --mtls NAME=CERT,KEY[,CA]` and `--ca-cert NAME=CA`: the local stand-ins for
// mtls_certificates bindings (docs/egress-tls.md). The e2e TLS test covers the bindings at work;
// this covers the flags: names, files, and the errors a user sees.

const dir = mkdtempSync(join(tmpdir(), 'meshgate-dev-tls-'));
const CERT = '-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n';
writeFileSync(join(dir, 'cert.pem'), CERT);
writeFileSync(join(dir, 'ca.pem'), CA);
writeFileSync(join(dir, 'key.pem'), KEY);
writeFileSync(join(dir, 'ec-key.pem'), KEY.replaceAll('PRIVATE KEY', 'EC PRIVATE KEY'));

function usageError(mtls: string[], ca: string[] = []): string {
  try {
    tlsBindingsFromFlags(mtls, ca, dir);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).hint).toContain('meshgate dev --help');
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('meshgate dev TLS binding flags', () => {
  test('--mtls: a client certificate, its key and an optional CA, under the binding MTLS_<NAME>', () => {
    expect(tlsBindingsFromFlags(['partner-client=cert.pem,key.pem,ca.pem', 'plain=cert.pem, ec-key.pem'], [], dir)).toEqual({
      MTLS_PARTNER_CLIENT: { certificateChain: CERT, privateKey: KEY, trustedCertificates: [CA] },
      MTLS_PLAIN: { certificateChain: CERT, privateKey: KEY.replaceAll('PRIVATE KEY', 'EC PRIVATE KEY') },
    });
  });

  test('a name given as a binding name is kept; --ca-cert adds trust anchors to the same binding', () => {
    expect(tlsBindingsFromFlags(['MTLS_PARTNER=cert.pem,key.pem'], ['MTLS_PARTNER=ca.pem', 'public-ca=ca.pem'], dir)).toEqual({
      MTLS_PARTNER: { certificateChain: CERT, privateKey: KEY, trustedCertificates: [CA] },
      MTLS_PUBLIC_CA: { trustedCertificates: [CA] },
    });
    expect(tlsBindingsFromFlags([], [`abs=${join(dir, 'ca.pem')}`], '/')).toEqual({ MTLS_ABS: { trustedCertificates: [CA] } });
  });

  test('malformed specs name the flag and the expected shape', () => {
    expect(usageError(['cert.pem,key.pem'])).toBe('invalid --mtls "cert.pem,key.pem": expected NAME=CERT.pem,KEY.pem[,CA.pem]');
    expect(usageError(['=cert.pem,key.pem'])).toContain('expected NAME=CERT.pem,KEY.pem[,CA.pem]');
    expect(usageError(['x='])).toContain('invalid --mtls "x="');
    expect(usageError(['x=cert.pem'])).toContain('invalid --mtls "x=cert.pem"');
    expect(usageError(['x=cert.pem,key.pem,ca.pem,ca.pem'])).toContain('invalid --mtls');
    expect(usageError([], ['x=ca.pem,ca.pem'])).toBe('invalid --ca-cert "x=ca.pem,ca.pem": expected NAME=CA.pem');
    expect(usageError(['x=cert.pem,key.pem', 'X=cert.pem,key.pem'])).toBe('--mtls: binding MTLS_X is given twice');
  });

  test('files that are missing or not the PEM block asked for', () => {
    expect(usageError(['x=nope.pem,key.pem'])).toBe('--mtls: cannot read certificate "nope.pem": no such file');
    expect(usageError(['x=key.pem,key.pem'])).toContain('--mtls: "key.pem" is not a PEM certificate');
    expect(usageError(['x=cert.pem,cert.pem'])).toContain('--mtls: "cert.pem" is not a PEM private key');
    expect(usageError([], ['x=key.pem'])).toContain('--ca-cert: "key.pem" is not a PEM certificate');
    expect(usageError([], [`x=${dir}`])).toContain('--ca-cert: cannot read certificate');
  });
});
