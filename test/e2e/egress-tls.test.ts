import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startMesh, type RunningMesh } from '../../src/cli/dev/mesh.ts';
import { applyAndSync } from './support/mesh.ts';
import { httpsUpstream, testPki, type HttpsUpstream, type Pem, type TestPki, type TlsSeen } from './support/tls.ts';
import { send } from './support/upstreams.ts';

// TLS origination at the egress gateway, against real local HTTPS servers (docs/egress-tls.md):
// a plain-HTTP call leaves the gateway as HTTPS (DestinationRule tls SIMPLE), a server certificate
// from another CA is refused (503), and MUTUAL presents the client certificate of the binding its
// credentialName names. Local trust and client certificates come from startMesh `tlsBindings`
// (Miniflare network services), never from NODE_EXTRA_CA_CERTS.

let mesh: RunningMesh;
let pki: TestPki;
let partnerCa: Pem, clientCa: Pem, client: Pem;
let secure: HttpsUpstream, forged: HttpsUpstream, mtls: HttpsUpstream;
const CLIENT_SPIFFE = 'spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account';

const out = (host: string, path = '/') => send(mesh.egressUrl, path, { host });

const entry = (name: string, host: string, port: number) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${port}}}]
---
`;
const rule = (name: string, host: string, tls: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: default}
spec:
  host: ${host}
  trafficPolicy:
    tls: ${tls}
---
`;

beforeAll(async () => {
  pki = testPki();
  partnerCa = pki.ca('partner-ca');
  const foreignCa = pki.ca('foreign-ca');
  clientCa = pki.ca('client-ca');
  // The gateway fetches the endpoint address (https://127.0.0.1:PORT): workerd sends and verifies
  // that name, so the server certificates carry the IP as well as the service host.
  const sans = ['DNS:secure.partner.test', 'DNS:mtls.partner.test', 'IP:127.0.0.1'];
  const server = pki.leaf('secure-server', partnerCa, sans, 'server');
  const foreignServer = pki.leaf('forged-server', foreignCa, ['DNS:forged.partner.test', 'IP:127.0.0.1'], 'server');
  client = pki.leaf('partner-client', clientCa, ['DNS:egress.partner.test', `URI:${CLIENT_SPIFFE}`], 'client');
  [secure, forged, mtls] = await Promise.all([httpsUpstream('secure', server), httpsUpstream('forged', foreignServer), httpsUpstream('mtls', server, clientCa)]);

  mesh = await startMesh({
    adminPort: 0, ingressPort: 0, egressPort: 0, workerLogs: 'silent', refreshMs: 100,
    tlsBindings: {
      MTLS_PARTNER_CA: { trustedCertificates: [partnerCa.cert] },
      MTLS_PARTNER_CLIENT: { certificateChain: client.cert, privateKey: client.key, trustedCertificates: [partnerCa.cert] },
    },
  });
  await applyAndSync(
    mesh,
    entry('secure', 'secure.partner.test', secure.port) +
      rule('secure', 'secure.partner.test', '{mode: SIMPLE, credentialName: partner-ca}') +
      entry('forged', 'forged.partner.test', forged.port) +
      rule('forged', 'forged.partner.test', '{mode: SIMPLE, credentialName: partner-ca}') +
      entry('public-roots', 'public.partner.test', secure.port) +
      rule('public-roots', 'public.partner.test', '{mode: SIMPLE}') +
      entry('mtls', 'mtls.partner.test', mtls.port) +
      rule('mtls', 'mtls.partner.test', '{mode: MUTUAL, credentialName: partner-client}') +
      entry('nocert', 'nocert.partner.test', mtls.port) +
      rule('nocert', 'nocert.partner.test', '{mode: MUTUAL, credentialName: missing-client}'),
  );
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
  await Promise.all([secure, forged, mtls].map((u) => u?.close()));
  pki?.dispose();
});

describe('egress TLS origination, end to end', () => {
  test('a plain-HTTP call leaves the egress gateway as HTTPS (SIMPLE, trust from the partner-ca binding)', async () => {
    const before = secure.seen.length;
    const r = await out('secure.partner.test', '/v1/orders?x=1');
    expect(r.status, r.body).toBe(200);
    const seen = JSON.parse(r.body) as TlsSeen;
    expect(seen).toMatchObject({ server: 'secure', url: '/v1/orders?x=1', encrypted: true });
    expect(secure.seen.length - before).toBe(1);
    expect(secure.tlsErrors).toEqual([]);
  });

  test('a server certificate from another CA is refused: 503 connection failure, nothing served', async () => {
    const r = await out('forged.partner.test', '/steal');
    expect([r.status, r.body]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure']);
    expect(forged.seen).toEqual([]);
    // workerd's own line: the handshake failed on verification, not on reachability.
    await expect.poll(() => mesh.logs().some((l) => /certificate is not trusted/.test(l)), { timeout: 5_000 }).toBe(true);
  });

  test('SIMPLE without a binding verifies against the public CAs only: a private CA is refused', async () => {
    const before = secure.seen.length;
    const r = await out('public.partner.test', '/');
    expect(r.status).toBe(503);
    expect(secure.seen.length).toBe(before);
  });

  test('MUTUAL presents the credentialName certificate: the server sees a valid client certificate', async () => {
    const r = await out('mtls.partner.test', '/whoami');
    expect(r.status, r.body).toBe(200);
    const seen = JSON.parse(r.body) as TlsSeen;
    expect(seen.encrypted).toBe(true);
    expect(seen.authorized).toBe(true);
    expect(seen.peer?.subject).toMatchObject({ CN: 'partner-client' });
    expect(seen.peer?.subjectaltname).toContain(`URI:${CLIENT_SPIFFE}`);
    expect(seen.peer?.subjectaltname).toContain('DNS:egress.partner.test');
  });

  test('MUTUAL whose certificate binding is missing: 503, and the log names the binding', async () => {
    const before = mtls.seen.length;
    const r = await out('nocert.partner.test', '/');
    expect([r.status, r.body]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure']);
    expect(mtls.seen.length).toBe(before);
    await expect.poll(() => mesh.logs().some((l) => l.includes('MTLS_MISSING_CLIENT')), { timeout: 5_000 }).toBe(true);
  });
});
