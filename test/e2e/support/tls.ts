import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

// Test PKI for TLS origination e2e: private CAs and leaf certificates made with openssl 3
// (EC P-256), written to a temp dir, and local HTTPS servers on 127.0.0.1 that report what the
// TLS layer saw (client certificate subject/SAN, whether it verified).

export interface Pem {
  /** PEM texts. */
  cert: string;
  key: string;
  /** Files holding them (for CLI flags). */
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  /** A self-signed CA. */
  ca(name: string): Pem;
  /** A leaf signed by `ca`, with DNS/IP/URI SANs (`DNS:x`, `IP:127.0.0.1`, `URI:spiffe://…`). */
  leaf(name: string, ca: Pem, sans: string[], usage: 'server' | 'client'): Pem;
  dispose(): void;
}

export function testPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshgate-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const key = (name: string) => {
    const file = path.join(dir, `${name}.key`);
    ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file);
    return file;
  };
  const read = (certFile: string, keyFile: string): Pem => ({ cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile });
  return {
    dir,
    ca(name) {
      const keyFile = key(name);
      const certFile = path.join(dir, `${name}.pem`);
      ssl('req', '-x509', '-new', '-key', keyFile, '-out', certFile, '-days', '2', '-subj', `/O=meshgate test/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      return read(certFile, keyFile);
    },
    leaf(name, ca, sans, usage) {
      const keyFile = key(name);
      const csr = path.join(dir, `${name}.csr`);
      const ext = path.join(dir, `${name}.ext`);
      const certFile = path.join(dir, `${name}.pem`);
      ssl('req', '-new', '-key', keyFile, '-out', csr, '-subj', `/O=meshgate test/CN=${name}`);
      writeFileSync(ext, [`subjectAltName=${sans.join(',')}`, 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`, ''].join('\n'));
      ssl('x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext);
      return read(certFile, keyFile);
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What an HTTPS test server saw of one request. */
export interface TlsSeen {
  server: string;
  url: string;
  host: string | undefined;
  /** Always true here (node:https); present so a test states it. */
  encrypted: boolean;
  servername: string | false | undefined;
  authorized: boolean;
  authorizationError?: string;
  peer?: { subject?: Record<string, unknown>; subjectaltname?: string };
}

export interface HttpsUpstream {
  name: string;
  port: number;
  seen: TlsSeen[];
  /** TLS handshakes that failed at the server (e.g. the client refused our certificate). */
  tlsErrors: string[];
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 answering JSON with what it saw; `clientCa` ⇒ requires a client cert. */
export async function httpsUpstream(name: string, server: Pem, clientCa?: Pem): Promise<HttpsUpstream> {
  const seen: TlsSeen[] = [];
  const tlsErrors: string[] = [];
  const srv: Server = createServer(
    { cert: server.cert, key: server.key, ...(clientCa ? { ca: clientCa.cert, requestCert: true, rejectUnauthorized: true } : {}) },
    (req, res) => {
      const sock = req.socket as TLSSocket;
      const peer = sock.getPeerCertificate();
      const record: TlsSeen = {
        server: name,
        url: req.url!,
        host: req.headers.host,
        encrypted: sock.encrypted === true,
        servername: (sock as TLSSocket & { servername?: string | false }).servername,
        authorized: (req as unknown as { client: TLSSocket }).client.authorized,
        ...(sock.authorizationError ? { authorizationError: String(sock.authorizationError) } : {}),
        ...(peer && Object.keys(peer).length ? { peer: { subject: { ...peer.subject }, ...(peer.subjectaltname ? { subjectaltname: peer.subjectaltname } : {}) } } : {}),
      };
      seen.push(record);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
        res.end(JSON.stringify(record));
      });
    },
  );
  srv.on('tlsClientError', (e) => tlsErrors.push(e.message));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    name,
    port: (srv.address() as AddressInfo).port,
    seen,
    tlsErrors,
    close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}
