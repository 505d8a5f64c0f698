import { z } from 'zod';
import { port } from '../../syntax/common.ts';
import { isIstioLabel } from '../../syntax/host.ts';

// Port protocols as Istio parses them (pkg/config/protocol: case-insensitive), and the
// ServicePort of a ServiceEntry (service_entry.proto). Empty protocol = sniffing.

const PROTOCOLS = { tcp: 'TCP', udp: 'UDP', grpc: 'GRPC', 'grpc-web': 'GRPC-Web', http: 'HTTP', http_proxy: 'HTTP_PROXY', http2: 'HTTP2', https: 'HTTPS', tls: 'TLS', mongo: 'Mongo', redis: 'Redis', mysql: 'MySQL' } as const;
export type Protocol = (typeof PROTOCOLS)[keyof typeof PROTOCOLS] | 'Unsupported';

export function parseProtocol(p: string | undefined): Protocol {
  return (PROTOCOLS as Record<string, Protocol>)[(p ?? '').toLowerCase()] ?? 'Unsupported';
}
export const isHTTPProtocol = (p: Protocol) => p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
export const isTLSProtocol = (p: Protocol) => p === 'HTTPS' || p === 'TLS';

/** agent ValidateProtocol: empty is allowed (protocol sniffing). */
export const protocolField = z.string().superRefine((p, ctx) => {
  if (p !== '' && parseProtocol(p) === 'Unsupported') ctx.addIssue({ code: 'custom', message: `unsupported protocol: ${p}` });
});

export const portName = z.string().superRefine((n, ctx) => {
  if (!isIstioLabel(n)) ctx.addIssue({ code: 'custom', message: `invalid port name: ${n}` });
});

export const servicePort = z.strictObject({
  number: port,
  /** HTTP|HTTPS|GRPC|HTTP2|MONGO|TCP|TLS (any case); unset ⇒ sniffing. */
  protocol: protocolField.optional(),
  name: portName,
  /** Endpoint port; default = number. */
  targetPort: port.optional(),
});
export type ServicePort = z.infer<typeof servicePort>;
