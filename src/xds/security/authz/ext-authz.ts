import type { EnvoyExtAuthzHttpProvider } from '../../../config/kinds/mesh/extension-provider.ts';
import { parseDuration } from '../../../config/syntax/duration.ts';
import { clusterName } from '../../cluster-name.ts';
import { EXT_AUTHZ_TYPE, type ExtAuthzFilterConfig } from '../../filters/ext-authz.ts';
import { RBAC_METADATA_NAMESPACE } from '../../filters/rbac.ts';
import type { PushContext } from '../../push-context.ts';
import type { StringMatcher } from '../../resources/common.ts';
import { msToDuration } from '../../resources/common.ts';
import { stringMatcher } from './strings.ts';

// A MeshConfig `envoyExtAuthzHttp` provider → the ext_authz filter config, as Istio builds it
// (pilot/pkg/security/authz/builder/extauthz.go): server at `http://<service>:<port>`, default
// timeout 600s, `statusOnError` default 403, header lists as case-insensitive matchers in the
// rule string syntax. The filter is switched on only for requests a CUSTOM rule matched: the
// shadow RBAC filter before it records the matched policy in dynamic metadata.

export const EXT_AUTHZ_STAT_PREFIX = 'istio_ext_authz_';
export const EXT_AUTHZ_POLICY_PREFIX = 'istio-ext-authz-';
const DEFAULT_TIMEOUT_MS = 600_000;

const patterns = (list: readonly string[] | undefined): { patterns: StringMatcher[] } | undefined =>
  list?.length ? { patterns: list.map((h) => stringMatcher(h, { ignoreCase: true })) } : undefined;

/** `ns/host` ⇒ `host`. */
const hostOf = (service: string) => (service.includes('/') ? service.slice(service.indexOf('/') + 1) : service);

export function extAuthzConfig(push: PushContext, p: EnvoyExtAuthzHttpProvider): ExtAuthzFilterConfig {
  const host = hostOf(p.service);
  // A provider whose registry endpoint is a Worker is reached through that service binding.
  const ep = push.services.get(host)?.endpoints.find((e) => e.address.startsWith('worker:'));
  const allowed = patterns([...(p.includeRequestHeadersInCheck ?? []), ...(p.includeHeadersInCheck ?? [])]);
  const add = Object.entries(p.includeAdditionalHeadersInCheck ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => ({ key, value }));
  const upstream = patterns(p.headersToUpstreamOnAllow);
  const client = patterns(p.headersToDownstreamOnDeny);
  const clientOnSuccess = patterns(p.headersToDownstreamOnAllow);
  const body = p.includeRequestBodyInCheck;
  return {
    '@type': EXT_AUTHZ_TYPE,
    http_service: {
      server_uri: {
        uri: `http://${host.includes(':') ? `[${host}]` : host}:${p.port}`,
        cluster: clusterName({ host, port: p.port, subset: '' }),
        timeout: msToDuration(p.timeout !== undefined ? (parseDuration(p.timeout) ?? DEFAULT_TIMEOUT_MS) : DEFAULT_TIMEOUT_MS),
        ...(ep ? { 'meshgate.binding': ep.address.slice('worker:'.length) } : {}),
      },
      ...(p.pathPrefix ? { path_prefix: p.pathPrefix } : {}),
      ...(allowed || add.length ? { authorization_request: { ...(allowed ? { allowed_headers: allowed } : {}), ...(add.length ? { headers_to_add: add } : {}) } } : {}),
      ...(upstream || client || clientOnSuccess
        ? {
            authorization_response: {
              ...(upstream ? { allowed_upstream_headers: upstream } : {}),
              ...(client ? { allowed_client_headers: client } : {}),
              ...(clientOnSuccess ? { allowed_client_headers_on_success: clientOnSuccess } : {}),
            },
          }
        : {}),
    },
    transport_api_version: 'V3',
    failure_mode_allow: p.failOpen ?? false,
    status_on_error: { code: p.statusOnError ? Number(p.statusOnError) : 403 },
    ...(body ? { with_request_body: { max_request_bytes: body.maxRequestBytes ?? 0, ...(body.allowPartialMessage !== undefined ? { allow_partial_message: body.allowPartialMessage } : {}), ...(body.packAsBytes !== undefined ? { pack_as_bytes: body.packAsBytes } : {}) } } : {}),
    filter_enabled_metadata: {
      filter: RBAC_METADATA_NAMESPACE,
      path: [{ key: `${EXT_AUTHZ_STAT_PREFIX}shadow_effective_policy_id` }],
      value: { string_match: { prefix: EXT_AUTHZ_POLICY_PREFIX } },
    },
  };
}
