import type { Snapshot } from '../xds/snapshot.ts';
import type { Route } from '../xds/resources/route.ts';
import { compileRouteConfiguration, type CompiledRouteTable } from './routing/index.ts';
import { compileClusters, type CompiledCluster, type UpstreamState } from './upstream/index.ts';
import { compileAction, type CompiledAction } from './router/compile-action.ts';
import { MESHGATE_PATH_MODE, type PathNormalizationMode } from './http/path.ts';
import type { Runtime } from './runtime.ts';
import { compileHttpFilters, type CompiledHttpFilter } from './filters/chain.ts';
import './filters/registry.ts';
import { precompileDestinationAuthz } from './filters/authz/destination.ts';
import { DESTINATION_AUTHZ_FILTER } from '../xds/filters/rbac.ts';

// A snapshot compiled once per version into what the hot path reads: per listener port the
// route table (virtual-host index, route matchers with precompiled RE2) and path normalization;
// per cluster the load balancer and breakers; per route the compiled action. Anything that does
// not compile throws, and the snapshot is NACKed.

export interface CompiledListener {
  port: number;
  table: CompiledRouteTable;
  pathMode: PathNormalizationMode;
  /** Listener-level filters (authentication, authorization) in order. */
  filters: readonly CompiledHttpFilter[];
  /** MeshConfig `meshgate.retryBufferBytes`, when set. */
  retryBufferBytes?: number;
  /** false: `x-envoy-max-retries` / `x-envoy-upstream-rq-timeout-ms` are not honoured, even from internal callers. */
  internalHeaderOverrides: boolean;
}

export interface CompiledConfig {
  version: string;
  /**
   * Egress: what a request to a port no listener covers gets — the PassthroughCluster under
   * ALLOW_ANY (Istio's allow_any virtual host), behind the listener filters of that virtual host;
   * undefined (502 BlackHole) under REGISTRY_ONLY.
   */
  passthrough?: { action: CompiledAction; filters: readonly CompiledHttpFilter[] };
  listeners: ReadonlyMap<number, CompiledListener>;
  /** MeshConfig `meshgate.refreshIntervalMs`, when set: how often the gateway polls. */
  refreshMs?: number;
  clusters: ReadonlyMap<string, CompiledCluster>;
  actions: ReadonlyMap<Route, CompiledAction>;
}

export function compileSnapshot(s: Snapshot, state: UpstreamState, rt: Runtime): CompiledConfig {
  const routeConfigs = new Map(s.resources.route.map((rc) => [rc.name, rc]));
  const tables = new Map<string, CompiledRouteTable>();
  const actions = new Map<Route, CompiledAction>();
  const listeners = new Map<number, CompiledListener>();
  let refreshMs: number | undefined;
  for (const l of s.resources.listener) {
    const hcm = l.filter_chains[0]?.filters[0]?.typed_config;
    if (!hcm) throw new Error(`listener ${l.name} has no http_connection_manager`);
    const name = hcm.rds.route_config_name;
    let table = tables.get(name);
    if (!table) {
      const rc = routeConfigs.get(name);
      if (!rc) throw new Error(`listener ${l.name} names route configuration ${name}, which the snapshot lacks`);
      table = compileRouteConfiguration(rc);
      tables.set(name, table);
      for (const vh of rc.virtual_hosts) {
        for (const r of vh.routes) {
          actions.set(r, compileAction(r, vh.name, vh.include_request_attempt_count === true));
          const dest = r.typed_per_filter_config?.[DESTINATION_AUTHZ_FILTER];
          if (dest) precompileDestinationAuthz(dest);
        }
      }
    }
    const port = l.address.socket_address.port_value;
    const ext = hcm['meshgate.listener'];
    refreshMs ??= ext?.refresh_interval_ms;
    listeners.set(port, {
      port,
      table,
      filters: compileHttpFilters(hcm.http_filters),
      ...(ext?.retry_buffer_bytes !== undefined ? { retryBufferBytes: ext.retry_buffer_bytes } : {}),
      internalHeaderOverrides: ext?.internal_header_overrides ?? true,
      pathMode: {
        normalize_path: hcm.normalize_path ?? MESHGATE_PATH_MODE.normalize_path,
        merge_slashes: hcm.merge_slashes ?? MESHGATE_PATH_MODE.merge_slashes,
        path_with_escaped_slashes_action: hcm.path_with_escaped_slashes_action ?? MESHGATE_PATH_MODE.path_with_escaped_slashes_action,
      },
    });
  }
  // ALLOW_ANY: a port no listener serves passes through, behind the filters of the listener that
  // carries the `allow_any` virtual host: authentication and authorization apply on every port,
  // as every request through Envoy goes through a listener's filter chain.
  const allowAnyRoutes = s.resources.route.find((rc) => rc.virtual_hosts.some((vh) => vh.name === 'allow_any'));
  const passthrough = allowAnyRoutes ? compileAction({ name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster', timeout: '0s', max_grpc_timeout: '0s' } }, 'allow_any', true) : undefined;
  const passthroughFilters = allowAnyRoutes ? [...listeners.values()].find((l) => l.table === tables.get(allowAnyRoutes.name))?.filters : undefined;
  if (passthrough && !passthroughFilters) throw new Error(`no listener serves route configuration ${allowAnyRoutes!.name}, whose allow_any virtual host passes through undeclared ports`);
  return {
    version: s.version,
    listeners,
    ...(refreshMs !== undefined ? { refreshMs } : {}),
    clusters: compileClusters(s.resources.cluster, s.resources.endpoint, state, rt),
    actions,
    ...(passthrough ? { passthrough: { action: passthrough, filters: passthroughFilters! } } : {}),
  };
}
