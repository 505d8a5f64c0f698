import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';
import { corsPolicy } from './http-cors.ts';
import { httpDirectResponse } from './http-direct-response.ts';
import { httpFaultInjection } from './http-fault.ts';
import { headers, isAuthorityHeader } from './http-headers.ts';
import { httpMatchRequest } from './http-match.ts';
import { httpMirrorPolicy, legacyMirrorPercent, mirrorPercentage } from './http-mirror.ts';
import { httpRedirect } from './http-redirect.ts';
import { httpRetry } from './http-retry.ts';
import { httpRewrite } from './http-rewrite.ts';
import { destination, weight, weightedList } from './vs-destination.ts';

// HTTPRoute (virtual_service.proto; virtualservice.go validateHTTPRoute,
// validateHTTPRouteConflict, validateAuthorityRewrite). Exactly one action: route | redirect |
// directResponse | delegate. Rules that need the whole VirtualService (delegate VS, JWT claim
// matches) live in virtual-service.ts.

export const httpRouteDestination = z
  .strictObject({
    destination,
    /** Relative; omitted on a single destination ⇒ 100%. */
    weight: weight.optional(),
    /** Applied for this destination only. */
    headers: headers.optional(),
  })
  .superRefine((d, ctx) => {
    // Istio validateHTTPRouteDestinations (ValidateHTTPHeaderWithHostOperationName): a destination
    // may set `Host`, never a pseudo-header such as `:authority`.
    for (const op of ['set', 'add'] as const) {
      for (const name of Object.keys(d.headers?.request?.[op] ?? {})) {
        if (name.startsWith(':')) ctx.addIssue({ code: 'custom', path: ['headers', 'request', op, name], message: `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix` });
      }
    }
  });
export type HTTPRouteDestination = z.infer<typeof httpRouteDestination>;

/** Points a root VirtualService route at a delegate VirtualService (namespace default: the root's). */
export const delegate = z.strictObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
});
export type Delegate = z.infer<typeof delegate>;

type Issue = { path: (string | number)[]; message: string };

/** Action conflicts, as validateHTTPRouteConflict words them. */
function conflicts(h: HTTPRoute): Issue[] {
  const out: Issue[] = [];
  const hasRoute = (h.route?.length ?? 0) > 0;
  if (h.delegate) {
    // A root route may only delegate.
    if (h.redirect) out.push({ path: ['redirect'], message: `root HTTP route ${h.name ?? ''} must not specify redirect` });
    if (h.route) out.push({ path: ['route'], message: `root HTTP route ${h.name ?? ''} must not specify route` });
    return out;
  }
  if (h.redirect) {
    if (hasRoute) out.push({ path: ['redirect'], message: 'HTTP route cannot contain both route and redirect' });
    if (h.fault) out.push({ path: ['fault'], message: 'HTTP route cannot contain both fault and redirect' });
    if (h.rewrite) out.push({ path: ['rewrite'], message: 'HTTP route rule cannot contain both rewrite and redirect' });
    if (h.directResponse) out.push({ path: ['directResponse'], message: 'HTTP route rule cannot contain both direct_response and redirect' });
  } else if (h.directResponse) {
    if (hasRoute) out.push({ path: ['directResponse'], message: 'HTTP route cannot contain both route and direct_response' });
    if (h.fault) out.push({ path: ['fault'], message: 'HTTP route cannot contain both fault and direct_response' });
    if (h.rewrite) out.push({ path: ['rewrite'], message: 'HTTP route rule cannot contain both rewrite and direct_response' });
  } else if (!hasRoute) {
    out.push({ path: [], message: 'HTTP route, redirect or direct_response is required' });
  }
  return out;
}

/** The authority may be rewritten in one place only: rewrite.authority or a request `:authority`/`Host` set/add. */
function authorityConflict(h: HTTPRoute): Issue | undefined {
  let current = h.rewrite?.authority ?? '';
  for (const op of ['set', 'add'] as const) {
    for (const [name, value] of Object.entries(h.headers?.request?.[op] ?? {})) {
      if (!isAuthorityHeader(name)) continue;
      if (current !== '') return { path: ['headers', 'request', op, name], message: `authority header cannot be set multiple times: have ${JSON.stringify(current)}, attempting to set ${JSON.stringify(value)}` };
      current = value;
    }
  }
  return undefined;
}

export const httpRoute = z
  .strictObject({
    /** Logged as `route.name` (+ `.` + match name). */
    name: z.string().optional(),
    /** OR of matches; omitted ⇒ matches everything. */
    match: z.array(httpMatchRequest).optional(),
    route: weightedList(httpRouteDestination).optional(),
    redirect: httpRedirect.optional(),
    directResponse: httpDirectResponse.optional(),
    delegate: delegate.optional(),
    rewrite: httpRewrite.optional(),
    /** Default: none (Istio disables Envoy's 15s route timeout). */
    timeout: duration().optional(),
    retries: httpRetry.optional(),
    fault: httpFaultInjection.optional(),
    /** Single mirror target (excludes `mirrors`). */
    mirror: destination.optional(),
    mirrors: z.array(httpMirrorPolicy).optional(),
    /** Share of traffic mirrored to `mirror`; absent ⇒ 100%. */
    mirrorPercentage: mirrorPercentage.optional(),
    /** Deprecated integer form of mirrorPercentage. */
    mirrorPercent: legacyMirrorPercent.optional(),
    corsPolicy: corsPolicy.optional(),
    headers: headers.optional(),
  })
  .superRefine((h, ctx) => {
    for (const i of conflicts(h)) ctx.addIssue({ code: 'custom', ...i });
    if (h.mirror && (h.mirrors?.length ?? 0) > 0) ctx.addIssue({ code: 'custom', path: ['mirrors'], message: 'HTTP route cannot contain both mirror and mirrors' });
    const auth = authorityConflict(h);
    if (auth) ctx.addIssue({ code: 'custom', ...auth });
    if (h.redirect?.prefixRewrite) {
      for (const [i, m] of (h.match ?? []).entries()) {
        if (m.uri && m.uri.prefix === undefined) ctx.addIssue({ code: 'custom', path: ['match', i, 'uri'], message: 'redirect prefix_rewrite requires all URI matches to use prefix match type' });
      }
    }
  });
export type HTTPRoute = z.infer<typeof httpRoute>;
