import { z } from 'zod';
import { defineKind } from '../types.ts';
import { labels } from '../../syntax/common.ts';
import { isDNS1123Label } from '../../syntax/host.ts';
import { isHTTPServer, server } from './gw-server.ts';
import { serverTLSWarnings } from './server-tls.ts';
import { isHTTPProtocol, parseProtocol } from './se-port.ts';

// Gateway (networking/v1alpha3/gateway.proto): listeners of the edge gateways. Rules of
// validation.go validateGateway. `selector` picks gateway workloads by label (all namespaces);
// unset ⇒ all gateway workloads.
// https://istio.io/latest/docs/reference/config/networking/gateway/

export const gatewaySpec = z
  .strictObject({
    /** Required, ≥1. */
    servers: z.array(server),
    selector: labels.optional(),
  })
  .superRefine((g, ctx) => {
    if (!g.servers.length) return void ctx.addIssue({ code: 'custom', path: ['servers'], message: 'gateway must have at least one server' });
    const names = new Set<string>();
    for (const [i, s] of g.servers.entries()) {
      const name = s.port.name;
      if (!name) continue;
      if (names.has(name)) ctx.addIssue({ code: 'custom', path: ['servers', i, 'port', 'name'], message: `port names in servers must be unique: duplicate name ${name}` });
      names.add(name);
    }
  });
export type GatewaySpec = z.infer<typeof gatewaySpec>;

export const gateway = defineKind({
  group: 'networking.istio.io',
  kind: 'Gateway',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'gateways',
  shortNames: ['gw'],
  body: 'spec',
  spec: gatewaySpec,
  check: (r, report) => {
    const name = r.metadata.name;
    if (!isDNS1123Label(name)) report(['metadata', 'name'], `invalid gateway name: "${name}"`);
    for (const [i, s] of r.spec.servers.entries()) {
      const proto = s.port.protocol.toUpperCase();
      // Workers serve HTTP behind Cloudflare's TLS: nothing reaches a TCP, TLS or passthrough
      // server, and none gets HTTP routes (Istio IsHTTPServer).
      if (parseProtocol(s.port.protocol) !== 'Unsupported' && !isHTTPServer(s)) {
        const mode = s.tls && (proto === 'TLS' || proto === 'HTTPS') ? ` ${s.tls.mode ?? 'PASSTHROUGH'}` : '';
        report(['spec', 'servers', i, 'port', 'protocol'], `a ${proto}${mode} server is not served by meshgate's gateways, which serve HTTP behind Cloudflare's TLS: its VirtualServices' http routes are not applied on it`, 'info');
      }
      if (!s.tls) continue;
      const tlsAt = ['spec', 'servers', i, 'tls'];
      if (s.tls.mode === 'MUTUAL' || s.tls.mode === 'OPTIONAL_MUTUAL') {
        report([...tlsAt, 'mode'], `tls.mode ${s.tls.mode} is not enforced by meshgate's gateways: Cloudflare terminates TLS, so clients without a certificate are not refused here. Require client certificates with Cloudflare mTLS and a PeerAuthentication STRICT (or an AuthorizationPolicy on principals) selecting the gateway`, 'warning');
      }
      for (const f of ['subjectAltNames', 'minProtocolVersion', 'maxProtocolVersion', 'cipherSuites', 'verifyCertificateSpki', 'verifyCertificateHash'] as const) {
        if (s.tls[f] !== undefined) report([...tlsAt, f], `tls.${f} has no effect at meshgate's gateways: Cloudflare terminates TLS (set it in the zone's TLS settings)`, 'info');
      }
      if (s.tls.httpsRedirect && !isHTTPProtocol(parseProtocol(s.port.protocol))) report(['spec', 'servers', i, 'tls', 'httpsRedirect'], 'tls.httpsRedirect should only be used with http servers', 'warning');
      serverTLSWarnings(s.tls, ['spec', 'servers', i, 'tls'], report);
    }
  },
});

export type { Server, GatewayPort } from './gw-server.ts';
export type { ServerTLSSettings } from './server-tls.ts';
