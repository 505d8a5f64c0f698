import { z } from 'zod';
import { isIP, namespacedHostError } from '../../syntax/host.ts';
import { isHTTPProtocol, isTLSProtocol, parseProtocol } from './se-port.ts';
import { serverTLSSettings } from './server-tls.ts';
import { isUnixAddress, unixAddressError } from './workload-entry.ts';

// Gateway Server and Port (gateway.proto); rules of validation.go validateServer,
// validateServerPort, validateServerBind. A server's port.number is the edge port the request
// arrived on (DESIGN.md "Ports and roles").
// https://istio.io/latest/docs/reference/config/networking/gateway/#Server

export const gatewayPort = z.strictObject({
  /** 1..65535, or 0 with a `unix://` bind (checked on the server, which knows the bind). */
  number: z.number().int().min(0).max(65535, 'port number must be in the range 1..65535'),
  /** HTTP|HTTPS|GRPC|GRPC-WEB|HTTP2|MONGO|TCP|TLS. */
  protocol: z.string(),
  /** Must be set and unique across the Gateway's servers. */
  name: z.string().optional(),
  /** Deprecated; not supported on a Gateway. */
  targetPort: z.number().int().optional(),
});
export type GatewayPort = z.infer<typeof gatewayPort>;

export const server = z
  .strictObject({
    port: gatewayPort,
    /** IP or `unix://` socket to bind; empty = all addresses. */
    bind: z.string().optional(),
    /** `namespace/dnsName`; a bare host means any namespace. */
    hosts: z.array(z.string()),
    tls: serverTLSSettings.optional(),
    /** Not implemented by Istio; accepted. */
    defaultEndpoint: z.string().optional(),
    name: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (!s.hosts.length) issue(['hosts'], 'server config must contain at least one host');
    for (const [i, h] of s.hosts.entries()) {
      const err = namespacedHostError(h, { requireNamespace: false, allowTilde: false, allowIP: true });
      if (err) issue(['hosts', i], err);
    }
    const bind = s.bind ?? '';
    if (bind !== '') {
      if (isUnixAddress(bind)) {
        const err = unixAddressError(bind);
        if (err) issue(['bind'], err);
        if (s.port.number !== 0) issue(['port', 'number'], `port number must be 0 for unix domain socket: ${s.port.number}`);
      } else if (!isIP(bind)) issue(['bind'], `bind address "${bind}" must be an IP address or a unix domain socket`);
    }
    const p = s.port;
    const proto = parseProtocol(p.protocol);
    if (proto === 'Unsupported') issue(['port', 'protocol'], `invalid protocol "${p.protocol}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
    if ((p.number > 0 || !isUnixAddress(bind)) && (p.number < 1 || p.number > 65535)) issue(['port', 'number'], 'port number must be in the range 1..65535');
    if ((p.targetPort ?? 0) > 0) issue(['port', 'targetPort'], 'targetPort is not supported in Gateway');
    if (!p.name) issue(['port', 'name'], `port name must be set: ${p.number}`);
    if (proto === 'Unsupported') return;
    if (isTLSProtocol(proto) && !s.tls) issue(['tls'], 'server must have TLS settings for HTTPS/TLS protocols');
    else if (!isTLSProtocol(proto) && s.tls) {
      const t = s.tls;
      const passthrough = (t.mode ?? 'PASSTHROUGH') === 'PASSTHROUGH' || t.mode === 'AUTO_PASSTHROUGH';
      if (isHTTPProtocol(proto)) {
        // Only httpsRedirect is meaningful on a plain-text HTTP server.
        if (!passthrough || t.caCertificates || t.privateKey || t.serverCertificate) issue(['tls'], 'server cannot have TLS settings for plain text HTTP ports');
      } else issue(['tls'], 'server cannot have TLS settings for non HTTPS/TLS ports');
    }
  });
export type Server = z.infer<typeof server>;

/** Istio model.IsPassThroughServer: TLS settings whose mode (PASSTHROUGH when unset) leaves TLS to the backend. */
export function isPassThroughServer(s: Server): boolean {
  const mode = s.tls ? (s.tls.mode ?? 'PASSTHROUGH') : undefined;
  return mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
}

/**
 * Istio model.IsHTTPServer: an HTTP-family port, or HTTPS that terminates TLS. Only these servers
 * get HTTP routes; a TCP, TLS or passthrough server takes none of its VirtualServices' `http` routes.
 */
export function isHTTPServer(s: Server): boolean {
  const p = parseProtocol(s.port.protocol);
  return isHTTPProtocol(p) || (p === 'HTTPS' && !isPassThroughServer(s));
}
