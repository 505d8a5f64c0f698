import { ExtAuthzFilterConfig } from '../../../xds/filters/ext-authz.ts';
import { durationMs, type StringMatcher } from '../../../xds/resources/common.ts';
import { localReply } from '../../http/local-reply.ts';
import type { CompiledHttpFilter, FilterContext } from '../chain.ts';
import { compileMetadataMatcher, compileString } from './matchers.ts';

// Envoy's external authorization filter with an HTTP authorization service (Istio CUSTOM
// action), compiled once per snapshot. It runs only when `filter_enabled_metadata` matches (a
// CUSTOM rule matched the request). Check request: the original method, path `path_prefix +
// path (+ ?query)`, the Authorization header, the allowed request headers, `headers_to_add`, and
// `x-forwarded-host/-proto/-for`; the body only with `with_request_body`.
// Answer 200 ⇒ allowed, the allowed upstream headers set on the upstream request; a 5xx,
// unreachable or timed out ⇒ `status_on_error` (default 403) unless `failure_mode_allow`; any
// other status (another 2xx too) ⇒ denied with that status and body, plus the allowed client
// headers (all of them when no list is configured, as Envoy does).
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_authz_filter

type HeaderPred = (name: string) => boolean;

const patterns = (list: { patterns: StringMatcher[] } | undefined): HeaderPred | undefined => {
  if (!list) return undefined;
  const ms = list.patterns.map(compileString);
  return (name) => ms.some((m) => m(name));
};

/** Never forwarded from the authorizer's response: framing and hop-by-hop headers. */
const NOT_COPIED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'host', 'upgrade', 'te', 'trailer', 'proxy-connection']);
/** Envoy adds these to a configured allowed_client_headers list. */
const ALWAYS_TO_CLIENT = new Set(['www-authenticate', 'location', 'content-type']);
/** Sent to the authorizer whatever the allowed_headers list says. */
const ALWAYS_IN_CHECK = new Set(['authorization']);

const isFetcher = (v: unknown): v is { fetch: typeof fetch } => typeof v === 'object' && v !== null && typeof (v as { fetch?: unknown }).fetch === 'function';

export function compileExtAuthz(typedConfig: unknown): CompiledHttpFilter {
  const c = ExtAuthzFilterConfig.parse(typedConfig);
  const svc = c.http_service;
  const base = svc.server_uri.uri.replace(/\/+$/, '');
  new URL(base); // a malformed URI is a compile error (NACK), not a per-request failure
  const timeoutMs = durationMs(svc.server_uri.timeout);
  const binding = svc.server_uri['meshgate.binding'];
  const prefix = svc.path_prefix ?? '';
  const allowedInCheck = patterns(svc.authorization_request?.allowed_headers);
  const toAdd = svc.authorization_request?.headers_to_add ?? [];
  const upstream = patterns(svc.authorization_response?.allowed_upstream_headers);
  const client = patterns(svc.authorization_response?.allowed_client_headers);
  const statusOnError = c.status_on_error?.code ?? 403;
  const failOpen = c.failure_mode_allow === true;
  const body = c.with_request_body;
  const enabled = c.filter_enabled_metadata ? compileMetadataMatcher(c.filter_enabled_metadata) : () => true;

  async function checkBody(ctx: FilterContext): Promise<Uint8Array | Response | undefined> {
    if (!body || ctx.request.body === null || ctx.method === 'GET' || ctx.method === 'HEAD') return undefined;
    const bytes = new Uint8Array(await ctx.request.clone().arrayBuffer());
    const max = body.max_request_bytes;
    if (max > 0 && bytes.length > max) {
      if (!body.allow_partial_message) return localReply(413, 'Payload Too Large');
      return bytes.subarray(0, max);
    }
    return bytes;
  }

  return {
    name: 'envoy.filters.http.ext_authz',
    async onRequest(ctx) {
      if (!enabled(ctx)) return undefined;
      const headers = new Headers();
      ctx.headers.forEach((v, k) => {
        if (ALWAYS_IN_CHECK.has(k) || allowedInCheck?.(k)) headers.set(k, v);
      });
      headers.set('x-forwarded-host', ctx.authority);
      headers.set('x-forwarded-proto', ctx.scheme);
      if (ctx.clientIp) headers.set('x-forwarded-for', ctx.clientIp);
      for (const h of toAdd) headers.set(h.key, h.value);
      const b = await checkBody(ctx);
      if (b instanceof Response) return b;
      const url = `${base}${prefix}${ctx.path}${ctx.query ? `?${ctx.query}` : ''}`;
      const init: RequestInit = { method: ctx.method, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), ...(b ? { body: b } : {}) };
      let res: Response;
      try {
        if (binding) {
          const fetcher = ctx.env[binding];
          if (!isFetcher(fetcher)) throw new Error('no such service binding');
          res = await fetcher.fetch(url, init);
        } else {
          res = await fetch(url, init);
        }
      } catch {
        // Unreachable, refused, timed out: Envoy's error path. The reason is not echoed to clients.
        return failOpen ? undefined : localReply(statusOnError);
      }
      // Envoy (ext_authz_http_impl toResponse): 200 allows, a 5xx is an error, anything else denies.
      if (res.status === 200) {
        if (upstream) res.headers.forEach((v, k) => { if (upstream(k) && !NOT_COPIED.has(k)) ctx.headers.set(k, v); });
        await res.body?.cancel();
        return undefined;
      }
      if (res.status < 200 || res.status > 499) {
        await res.body?.cancel();
        return failOpen ? undefined : localReply(statusOnError);
      }
      const out = new Headers();
      res.headers.forEach((v, k) => {
        if (NOT_COPIED.has(k)) return;
        if (!client || client(k) || ALWAYS_TO_CLIENT.has(k)) out.append(k, v);
      });
      // A local reply, as Envoy's sendLocalReply: a gRPC caller gets it in gRPC form.
      return localReply(res.status, new Uint8Array(await res.arrayBuffer()), out);
    },
  };
}
