import { z } from 'zod';
import { labels } from '../../syntax/common.ts';
import { routeDestination, weightedList } from './vs-destination.ts';
import { gatewayNames, ipSubnet, matchPort } from './vs-hosts.ts';

// TCPRoute / L4MatchAttributes (virtual_service.proto; validation.go validateTCPRoute,
// validateTCPMatch). Opaque TCP: match on destination subnet, port and source only.

export const l4MatchAttributes = z.strictObject({
  destinationSubnets: z.array(ipSubnet).optional(),
  port: matchPort.optional(),
  sourceLabels: labels.optional(),
  gateways: gatewayNames.optional(),
  sourceNamespace: z.string().optional(),
});
export type L4MatchAttributes = z.infer<typeof l4MatchAttributes>;

export const tcpRoute = z
  .strictObject({
    /** Omitted ⇒ all connections. */
    match: z.array(l4MatchAttributes).optional(),
    route: weightedList(routeDestination).optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.route?.length ?? 0) === 0) ctx.addIssue({ code: 'custom', path: ['route'], message: 'TCP route is required' });
  });
export type TCPRoute = z.infer<typeof tcpRoute>;
