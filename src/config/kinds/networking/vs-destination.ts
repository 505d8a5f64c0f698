import { z } from 'zod';
import { portSelector } from '../../syntax/common.ts';
import { domainError, isIstioLabel } from '../../syntax/host.ts';

// Destination, RouteDestination and weights (virtual_service.proto; validation.go
// validateDestination, validateRouteDestinations, validateWeight).

/**
 * Where traffic goes: a registry host (short names resolve against the VirtualService's
 * namespace), an optional DestinationRule subset, and a port (needed when the service has more
 * than one). Envoy cluster: `outbound|<port>|<subset>|<host>`.
 */
export const destination = z
  .strictObject({
    host: z.string(),
    subset: z.string().optional(),
    port: portSelector.optional(),
  })
  .superRefine((d, ctx) => {
    const hostErr = d.host === '*' ? 'invalid destination host *' : domainError(d.host, { partialWildcard: true });
    if (hostErr) ctx.addIssue({ code: 'custom', path: ['host'], message: hostErr });
    if (d.subset !== undefined) {
      if (d.subset === '') ctx.addIssue({ code: 'custom', path: ['subset'], message: 'subset name cannot be empty' });
      else if (!isIstioLabel(d.subset)) ctx.addIssue({ code: 'custom', path: ['subset'], message: `subset name is invalid: ${d.subset}` });
    }
  });
export type Destination = z.infer<typeof destination>;

/** Relative weight: share = weight / Σweights; a single destination gets everything. */
export const weight = z.number().int().superRefine((w, ctx) => {
  if (w < 0) ctx.addIssue({ code: 'custom', message: `weight ${w} < 0` });
});

/** TLS/TCP route destination. */
export const routeDestination = z.strictObject({
  destination,
  weight: weight.optional(),
});
export type RouteDestination = z.infer<typeof routeDestination>;

/** A weighted destination list: more than one destination whose weights sum to 0 sends nothing. */
export function weightedList<T extends z.ZodType<{ weight?: number | undefined }>>(item: T) {
  return z.array(item).superRefine((list, ctx) => {
    const total = list.reduce((sum, d) => sum + (d.weight ?? 0), 0);
    if (list.length > 1 && total === 0) ctx.addIssue({ code: 'custom', message: 'total destination weight = 0' });
  });
}
