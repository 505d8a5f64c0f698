import type { HttpConnectionManager, Listener } from './resources/listener.ts';
import type { Node } from './protocol.ts';
import type { PushContext } from './push-context.ts';
import { buildHttpFilters } from './filters/http-filters.ts';

// One listener per port, each an HttpConnectionManager reaching its routes by RDS name.

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager' as const;

/** MeshConfig pathNormalization → HCM settings (Istio listener.go; meshgate's stricter default). */
function normalization(push: PushContext): Pick<HttpConnectionManager, 'normalize_path' | 'merge_slashes' | 'path_with_escaped_slashes_action'> {
  switch (push.mesh.pathNormalization) {
    case 'NONE':
      return { normalize_path: false, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' };
    case 'BASE':
      return { normalize_path: true, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' };
    case 'MERGE_SLASHES':
      return { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' };
    case 'DECODE_AND_MERGE_SLASHES':
      return { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' };
    case 'MESHGATE_DEFAULT':
      return { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'REJECT_REQUEST' };
  }
}

/** MeshConfig `meshgate:` settings the data plane applies per listener; absent when none is set. */
function meshgateListener(push: PushContext): Pick<HttpConnectionManager, 'meshgate.listener'> {
  const m = push.mesh;
  const out: NonNullable<HttpConnectionManager['meshgate.listener']> = {};
  if (m.retryBufferBytes !== undefined) out.retry_buffer_bytes = m.retryBufferBytes;
  if (m.internalHeaderOverrides !== undefined) out.internal_header_overrides = m.internalHeaderOverrides;
  if (m.refreshIntervalMs !== undefined) out.refresh_interval_ms = m.refreshIntervalMs;
  return Object.keys(out).length ? { 'meshgate.listener': out } : {};
}

export function buildListener(push: PushContext, node: Node, port: number, routeConfigName: string): Listener {
  return {
    name: `0.0.0.0_${port}`,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    traffic_direction: node.role === 'ingress' ? 'INBOUND' : 'OUTBOUND',
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM_TYPE,
          stat_prefix: `outbound_0.0.0.0_${port}`,
          rds: { route_config_name: routeConfigName, config_source: { ads: {} } },
          http_filters: buildHttpFilters(push, node),
          ...normalization(push),
          use_remote_address: true,
          forward_client_cert_details: 'SANITIZE_SET',
          generate_request_id: true,
          preserve_external_request_id: true,
          ...meshgateListener(push),
        },
      }],
    }],
  };
}
