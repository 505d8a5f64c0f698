import { JwtAuthentication, JwtPerRouteConfig } from '../../xds/filters/jwt-authn.ts';
import { localReply } from '../http/local-reply.ts';
import { registerHttpFilter, type CompiledHttpFilter, type FilterContext } from './chain.ts';
import { ISTIO_AUTHN, istioAuthnMetadata, normalizedPayload } from './jwt/claims.ts';
import { tokenParams } from './jwt/extractor.ts';
import { removeQueryParam } from '../http/query.ts';
import { JwtStatus } from './jwt/status.ts';
import { compileProvider, compileRequirement, type CompiledProvider, type Verifier, type VerifyRun } from './jwt/verifier.ts';

// envoy.filters.http.jwt_authn on the edge (Envoy filter.cc): CORS preflights bypassed; the
// route's per-route requirement, else the first listener rule matching the path; failure ⇒ 401
// (403 for a disallowed audience) with Envoy's message as body and
// `www-authenticate: Bearer realm="<scheme>://<host><path>", error="invalid_token"`; success ⇒
// the verified payloads in dynamic metadata (`envoy.filters.http.jwt_authn` by
// payload_in_metadata, and `istio_authn` for Istio's request.auth.* attributes).
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
/** Envoy's MaximumUriLength for the realm's path. */
const MAX_REALM_PATH = 256;

interface Rule {
  matches(path: string): boolean;
  verifier: Verifier;
}

type PerRoute = { kind: 'disabled' } | { kind: 'verifier'; verifier: Verifier } | { kind: 'error'; message: string };

const isCorsPreflight = (ctx: FilterContext) => ctx.method === 'OPTIONS' && !!ctx.request.headers.get('origin') && !!ctx.request.headers.get('access-control-request-method');

export function compileJwtAuthn(typedConfig: Record<string, unknown>): CompiledHttpFilter {
  const cfg = JwtAuthentication.parse(typedConfig);
  const providers = new Map<string, CompiledProvider>(Object.entries(cfg.providers).map(([name, p]) => [name, compileProvider(name, p)]));
  const rules: Rule[] = (cfg.rules ?? []).flatMap((r): Rule[] => {
    const req = r.requires ?? (r.requirement_name !== undefined ? cfg.requirement_map?.[r.requirement_name] : undefined);
    if (!req) return [];
    const { prefix, path } = r.match;
    return [{ matches: prefix !== undefined ? (p) => p.startsWith(prefix) : (p) => p === path, verifier: compileRequirement(req, providers) }];
  });
  const named = new Map(Object.entries(cfg.requirement_map ?? {}).map(([name, r]) => [name, compileRequirement(r, providers)]));
  const redact = tokenParams([...providers.values()].map((p) => p.config));
  const bypassPreflight = cfg.bypass_cors_preflight === true;
  // Per-route configs are snapshot objects: resolved once each, not per request.
  const perRoute = new WeakMap<object, PerRoute>();

  const resolvePerRoute = (raw: object): PerRoute => {
    let got = perRoute.get(raw);
    if (!got) {
      const parsed = JwtPerRouteConfig.safeParse(raw);
      if (!parsed.success) got = { kind: 'error', message: 'invalid per-route config' };
      else if (parsed.data.disabled) got = { kind: 'disabled' };
      else {
        const name = parsed.data.requirement_name ?? '';
        const v = named.get(name);
        got = v ? { kind: 'verifier', verifier: v } : { kind: 'error', message: `Wrong requirement_name: ${name}. It should be one of [${[...named.keys()].join(',')}]` };
      }
      perRoute.set(raw, got);
    }
    return got;
  };

  /** The realm Envoy sends: the request URI, with any query token left out (never echoed back). */
  const realm = (ctx: FilterContext, originalQuery: string) => {
    let query = originalQuery;
    for (const name of redact) query = removeQueryParam(query, name);
    const path = `${ctx.path}${query ? `?${query}` : ''}`.slice(0, MAX_REALM_PATH);
    return `${ctx.scheme}://${ctx.authority}${path}`;
  };

  return {
    name: JWT_AUTHN_FILTER,
    async onRequest(ctx) {
      if (bypassPreflight && isCorsPreflight(ctx)) return undefined;
      let verifier: Verifier | undefined;
      const raw = ctx.route?.typed_per_filter_config?.[JWT_AUTHN_FILTER];
      if (raw) {
        const pr = resolvePerRoute(raw);
        if (pr.kind === 'disabled') return undefined;
        if (pr.kind === 'error') return localReply(403, `Failed JWT authentication: ${pr.message}`);
        verifier = pr.verifier;
      } else {
        verifier = rules.find((r) => r.matches(ctx.path))?.verifier;
      }
      if (!verifier) return undefined;

      // The realm is the URI as received: tokens removed during verification do not change it.
      const originalQuery = ctx.query;
      const run: VerifyRun = { view: ctx, nowMs: ctx.rt.now(), verified: [] };
      const status = await verifier(run);
      if (status !== JwtStatus.Ok) {
        const challenge = `Bearer realm="${realm(ctx, originalQuery)}"${status === JwtStatus.JwtMissed ? '' : ', error="invalid_token"'}`;
        return localReply(status === JwtStatus.JwtAudienceNotAllowed ? 403 : 401, status, { 'www-authenticate': challenge });
      }
      if (run.verified.length) {
        const payloads: Record<string, unknown> = {};
        for (const v of run.verified) {
          const key = v.provider.config.payload_in_metadata;
          if (key && !(key in payloads)) payloads[key] = normalizedPayload(v.jwt.payload, v.provider.config.normalize_payload_in_metadata?.space_delimited_claims);
        }
        if (Object.keys(payloads).length) ctx.metadata[JWT_AUTHN_FILTER] = payloads;
        const first = run.verified[0]!;
        ctx.metadata[ISTIO_AUTHN] = istioAuthnMetadata(first.jwt, normalizedPayload(first.jwt.payload, first.provider.config.normalize_payload_in_metadata?.space_delimited_claims));
      }
      return undefined;
    },
  };
}

registerHttpFilter(JWT_AUTHN_FILTER, compileJwtAuthn);
