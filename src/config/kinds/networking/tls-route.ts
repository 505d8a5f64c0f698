import { z } from 'zod';
import { labels } from '../../syntax/common.ts';
import { routeDestination, weightedList } from './vs-destination.ts';
import { gatewayNames, ipSubnet, matchPort } from './vs-hosts.ts';

// TLSRoute / TLSMatchAttributes (virtual_service.proto; validation.go validateTLSRoute,
// validateTLSMatch). SNI routing of non-terminated TLS. SNI hosts must be a subset of the
// VirtualService hosts — checked in virtual-service.ts, which knows them.

export const tlsMatchAttributes = z
  .strictObject({
    /** Required; each must be covered by a VirtualService host. */
    sniHosts: z.array(z.string()).optional(),
    destinationSubnets: z.array(ipSubnet).optional(),
    port: matchPort.optional(),
    sourceLabels: labels.optional(),
    gateways: gatewayNames.optional(),
    sourceNamespace: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    if ((m.sniHosts?.length ?? 0) === 0) ctx.addIssue({ code: 'custom', path: ['sniHosts'], message: 'TLS match must have at least one SNI host' });
  });
export type TLSMatchAttributes = z.infer<typeof tlsMatchAttributes>;

export const tlsRoute = z
  .strictObject({
    match: z.array(tlsMatchAttributes).optional(),
    route: weightedList(routeDestination).optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.match?.length ?? 0) === 0) ctx.addIssue({ code: 'custom', path: ['match'], message: 'TLS route must have at least one match condition' });
    if ((r.route?.length ?? 0) === 0) ctx.addIssue({ code: 'custom', path: ['route'], message: 'TLS route is required' });
  });
export type TLSRoute = z.infer<typeof tlsRoute>;
