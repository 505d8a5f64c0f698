import { z } from 'zod';
import { isIstioLabel, isIP, isIPv6, namespacedHostError } from '../../syntax/host.ts';
import { connectionPoolSettings } from './connection-pool.ts';
import { isTLSProtocol, parseProtocol } from './se-port.ts';
import { serverTLSSettings } from './server-tls.ts';
import { isUnixAddress, unixAddressError } from './workload-entry.ts';

// Sidecar ingress and egress listeners (sidecar.proto IstioIngressListener, IstioEgressListener);
// rules of validation.go validateSidecar{Ingress,Egress}PortAndBind and the listener loops.
// https://istio.io/latest/docs/reference/config/networking/sidecar/

export const captureMode = z.enum(['DEFAULT', 'IPTABLES', 'NONE']);

/** SidecarPort: number 0 only for an egress listener bound to a unix socket. */
export const sidecarPort = z
  .strictObject({
    number: z.number().int().min(0).max(65535, 'port number must be in the range 1..65535'),
    protocol: z.string().optional(),
    name: z.string().optional(),
    targetPort: z.number().int().min(0).max(65535).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.name && !isIstioLabel(p.name)) ctx.addIssue({ code: 'custom', path: ['name'], message: `invalid port name: ${p.name}` });
    if (p.protocol && parseProtocol(p.protocol) === 'Unsupported') ctx.addIssue({ code: 'custom', path: ['protocol'], message: `unsupported protocol: ${p.protocol}` });
  });
export type SidecarPort = z.infer<typeof sidecarPort>;

const LOOPBACK_OR_ANY = ['127.0.0.1', '0.0.0.0', '::1', '::'];

/** `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`, `[::]:PORT`, `:PORT` or `unix://…`. */
function defaultEndpointError(ep: string): string | undefined {
  if (isUnixAddress(ep)) return unixAddressError(ep);
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(ep);
  const host = m ? (m[1] ?? m[2] ?? '') : undefined;
  if (host === undefined || (host !== '' && !LOOPBACK_OR_ANY.includes(host)) || (m?.[1] !== undefined && !isIPv6(host))) {
    return 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:port, [::]:port, unix://filepath, or unset';
  }
  const port = Number(m![3]);
  return /^\d+$/.test(m![3]!) && port >= 1 && port <= 65535 ? undefined : `sidecar: defaultEndpoint port (${m![3]}) is not a valid port`;
}

export const istioIngressListener = z
  .strictObject({
    port: sidecarPort,
    bind: z.string().optional(),
    captureMode: captureMode.optional(),
    defaultEndpoint: z.string().optional(),
    /** TLS termination on the inbound port: SIMPLE or MUTUAL only. */
    tls: serverTLSSettings.optional(),
    /** Overrides the Sidecar's inboundConnectionPool for this port. */
    connectionPool: connectionPoolSettings.optional(),
  })
  .superRefine((l, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (l.port.number < 1) issue(['port', 'number'], 'port number must be in the range 1..65535');
    if (l.bind && !isIP(l.bind)) issue(['bind'], 'sidecar: ingress bind must be empty or an IP address');
    if (l.defaultEndpoint) {
      const err = defaultEndpointError(l.defaultEndpoint);
      if (err) issue(['defaultEndpoint'], err);
    }
    const t = l.tls;
    if (t) {
      if (t.subjectAltNames?.length) issue(['tls', 'subjectAltNames'], 'sidecar: subjectAltNames is not supported in ingress tls');
      if (t.httpsRedirect) issue(['tls', 'httpsRedirect'], 'sidecar: httpsRedirect is not supported');
      if (t.credentialName) issue(['tls', 'credentialName'], 'sidecar: credentialName is not currently supported');
      if (t.credentialNames?.length) issue(['tls', 'credentialNames'], 'sidecar: credentialNames is not currently supported');
      if (t.tlsCertificates?.length) issue(['tls', 'tlsCertificates'], 'sidecar: tlsCertificates is not currently supported');
      const mode = t.mode ?? 'PASSTHROUGH';
      if (mode !== 'SIMPLE' && mode !== 'MUTUAL') issue(['tls', 'mode'], `configuration is invalid: cannot set mode to ${mode} in sidecar ingress tls`);
      if (!isTLSProtocol(parseProtocol(l.port.protocol))) issue(['tls'], 'server cannot have TLS settings for non HTTPS/TLS ports');
    }
  });
export type IstioIngressListener = z.infer<typeof istioIngressListener>;

export const istioEgressListener = z
  .strictObject({
    /** Omitted ⇒ catch-all listener (at most one, and last). */
    port: sidecarPort.optional(),
    bind: z.string().optional(),
    captureMode: captureMode.optional(),
    /** `namespace/dnsName`: ns `*`, `.`, `~` (none) or a name; dnsName `*` or an FQDN. */
    hosts: z.array(z.string()).optional(),
  })
  .superRefine((l, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const bind = l.bind ?? '';
    if (l.port?.number === 0) {
      if (!isUnixAddress(bind)) issue(['port', 'number'], 'sidecar: ports with 0 value must have a unix domain socket bind address');
      else {
        const err = unixAddressError(bind);
        if (err) issue(['bind'], err);
      }
      if (l.captureMode && l.captureMode !== 'DEFAULT' && l.captureMode !== 'NONE') issue(['captureMode'], 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners');
    } else if (bind !== '' && !isIP(bind)) issue(['bind'], 'sidecar: egress bind must be empty or an IP address');
    if (!l.hosts?.length) issue(['hosts'], 'sidecar: egress listener must contain at least one host');
    for (const [i, h] of (l.hosts ?? []).entries()) {
      const err = namespacedHostError(h, { requireNamespace: true, allowTilde: true, allowIP: false });
      if (err) issue(['hosts', i], err);
    }
  });
export type IstioEgressListener = z.infer<typeof istioEgressListener>;
