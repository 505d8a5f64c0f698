import { describe, expect, test, vi } from 'vitest';
import { MeshCa, PeerVerifier, b64Of, formatXfcc, parseRfc9440, parseRfc9440List, parseXfcc } from './helpers.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('PeerVerifier: cached per distinct certificate, bounded', () => {
  test('signatures are checked once per certificate; the cache keeps at most cacheSize entries', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const certs = await Promise.all(['a', 'b', 'c'].map((sa) => ca.issueSvid({ namespace: 'ns', serviceAccount: sa, now: T0 })));
    const v = new PeerVerifier({ roots: [ca.rootPem], trustDomains: ['cluster.local'], cacheSize: 2 });
    const verify = vi.spyOn(crypto.subtle, 'verify');
    try {
      for (let i = 0; i < 3; i++) expect(await v.verify({ leaf: b64Of(certs[0]!.certPem), chain: [] }, T0)).toMatchObject({ ok: true, principal: 'cluster.local/ns/ns/sa/a' });
      expect(verify).toHaveBeenCalledTimes(1);
      await v.verify({ leaf: b64Of(certs[1]!.certPem), chain: [] }, T0);
      await v.verify({ leaf: b64Of(certs[2]!.certPem), chain: [] }, T0);
      expect(v.cached).toBe(2);
      expect(verify).toHaveBeenCalledTimes(3);
      // `a` was evicted (least recently used): checking it again costs one more signature.
      await v.verify({ leaf: b64Of(certs[0]!.certPem), chain: [] }, T0);
      expect(verify).toHaveBeenCalledTimes(4);
    } finally {
      verify.mockRestore();
    }
  });

  test('malformed input is refused without throwing', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const v = new PeerVerifier({ roots: [ca.rootPem] });
    expect(await v.verify({ leaf: '!!!', chain: [] }, T0)).toEqual({ ok: false, reason: 'certificate is not valid base64 DER' });
    expect(await v.verify({ leaf: 'AAAA', chain: [] }, T0)).toEqual({ ok: false, reason: 'certificate is not a valid X.509 certificate' });
    expect(await v.verify({ leaf: 'A'.repeat(20_000), chain: [] }, T0)).toEqual({ ok: false, reason: 'certificate is too large' });
  });
});

describe('peer certificate headers', () => {
  test('RFC 9440 items and lists', () => {
    expect(parseRfc9440(':AAEC:')).toBe('AAEC');
    expect(parseRfc9440('AAEC')).toBeNull();
    expect(parseRfc9440(':AA EC:')).toBeNull();
    expect(parseRfc9440List(':AAEC:, :AwQF:')).toEqual(['AAEC', 'AwQF']);
    expect(parseRfc9440List('')).toEqual([]);
    expect(parseRfc9440List(':AAEC:, nope')).toBeNull();
  });

  test("Envoy's XFCC: the last element is the nearest hop; quoted values, URL-encoded PEM Cert and Chain", async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const s = await ca.issueSvid({ namespace: 'ns', serviceAccount: 'sa', now: T0 });
    const cert = encodeURIComponent(s.certPem);
    const chain = encodeURIComponent(s.certPem + ca.rootPem);
    const v = `By=spiffe://a;URI=spiffe://first,By=spiffe://cluster.local/ns/x/sa/gw;Hash=468ed33b;Subject="CN=a,O=b;c";Cert="${cert}";Chain="${chain}";URI=${s.spiffeId};DNS=x.example`;
    expect(parseXfcc(v)).toEqual({ by: 'spiffe://cluster.local/ns/x/sa/gw', hash: '468ed33b', uri: s.spiffeId, cert: { leaf: b64Of(s.certPem), chain: [b64Of(ca.rootPem)] } });
    expect(parseXfcc('By=a;URI=spiffe://x')).toEqual({ by: 'a', uri: 'spiffe://x' });
    expect(parseXfcc('garbage')).toBeNull();
    expect(parseXfcc('Cert="%E0%A4%A"')).toBeNull();
    expect(formatXfcc({ sha256: 'ab', spiffeId: 'spiffe://cluster.local/ns/a/sa/b' })).toBe('Hash=ab;URI=spiffe://cluster.local/ns/a/sa/b');
  });
});
