import type { Issue } from '../issues.ts';
import type { LoadedResource } from '../manifest.ts';
import { MESH_CONFIGMAP_NAME, MESH_CONFIGMAP_NAMESPACE, readMeshConfig } from '../kinds/mesh/mesh-config.ts';
import { authorizationReferences } from './authz.ts';
import { type Analyzer, buildContext } from './context.ts';
import { destinationHosts } from './destination-hosts.ts';
import { destinationSubsets } from './destination-subsets.ts';
import { destinationRuleConflicts } from './dr-conflicts.ts';
import { destinationRuleHost } from './dr-host.ts';
import { gatewayHosts } from './gateway-hosts.ts';
import { gatewayPorts } from './gateway-ports.ts';
import { gatewaySelector } from './gateway-selector.ts';
import { jwtClaimRouting } from './jwt-routing.ts';
import { peerAuthentications } from './peer-authn.ts';
import { serviceEntryEndpoints } from './service-entries.ts';
import { sidecars } from './sidecars.ts';
import { vsExport } from './vs-export.ts';
import { vsHostConflicts } from './vs-host-conflicts.ts';
import { vsReferences } from './vs-references.ts';

// Cross-resource analysis, meshgate's `istioctl analyze`: findings about how validated resources
// fit together (references, conflicts, things that can never take effect). Schema validation
// and single-resource warnings happen at load time (src/config/manifest.ts); these run on what
// loaded. Codes are Istio's where Istio has the same check
// (https://istio.io/latest/docs/reference/config/analysis/), else meshgate's own:
//
// | code    | severity      | finding                                                                       |
// |---------|---------------|-------------------------------------------------------------------------------|
// | IST0101 | error         | ReferencedResourceNotFound: gateway, delegate VirtualService, destination host (no ServiceEntry), host:port, host+subset (no DestinationRule subset) |
// | IST0112 | error         | VirtualServiceDestinationPortSelectorRequired: several service ports, none named |
// | IST0109 | error         | ConflictingMeshGatewayVirtualServiceHosts: two mesh-bound VirtualServices, one host |
// | IST0111 | error         | MultipleSidecarsWithoutWorkloadSelectors                                      |
// | IST0127 | warning       | NoMatchingWorkloadsFound: Gateway selector matches neither gateway proxy      |
// | IST0132 | warning       | VirtualServiceHostNotFoundInGateway                                           |
// | IST0149 | error         | JwtClaimBasedRoutingWithoutRequestAuthN                                       |
// | IST0174 | warning       | UnknownDestinationRuleHost: DestinationRule host matches no ServiceEntry      |
// | MG0001  | info          | VirtualServices sharing a host on a Gateway are merged, oldest first          |
// | MG0002  | warning       | …and an earlier one's catch-all route shadows a later one's routes            |
// | MG0003  | warning, info | DestinationRules for one host in one namespace merged (policy/subset ignored) |
// | MG0004  | info          | Gateway server host no bound VirtualService serves (404)                      |
// | MG0005  | info          | AuthorizationPolicy source namespace/principal names a namespace with no resources |
// | MG0006  | warning       | requestPrincipals / request.auth.* without any RequestAuthentication          |
// | MG0007  | warning       | STATIC ServiceEntry without endpoints (503 no healthy upstream)               |
// | MG0008  | warning       | Sidecar outboundTrafficPolicy outside the root namespace has no effect on the egress gateway |
// | MG0009  | warning       | ingress Gateway port Cloudflare's edge does not proxy                         |
// | MG0010  | warning       | VirtualService not exported to istio-system, where the gateways run           |
// | MG0011  | warning       | a match names a gateway the VirtualService is not bound to (never applies)    |
// | MG0012  | warning       | PeerAuthentication without a selector: STRICT/DISABLE never reach a gateway    |

export type { Analyzer, Ctx, Finding } from './context.ts';

export const ANALYZERS: readonly Analyzer[] = [
  vsReferences,
  destinationHosts,
  destinationSubsets,
  vsHostConflicts,
  gatewaySelector,
  gatewayHosts,
  gatewayPorts,
  vsExport,
  jwtClaimRouting,
  destinationRuleHost,
  destinationRuleConflicts,
  authorizationReferences,
  peerAuthentications,
  serviceEntryEndpoints,
  sidecars,
];

/** MeshConfig from `opts`, else from the mesh ConfigMap among the resources, else none (defaults). */
function meshConfigOf(resources: readonly LoadedResource[], given: unknown): unknown {
  if (given !== undefined) return given;
  const cm = resources.find((l) => l.resource.kind === 'ConfigMap' && l.resource.metadata.namespace === MESH_CONFIGMAP_NAMESPACE && l.resource.metadata.name === MESH_CONFIGMAP_NAME);
  const text = (cm?.resource.spec as { mesh?: string } | undefined)?.mesh;
  return text === undefined ? undefined : readMeshConfig(text).config;
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** Runs every analyzer over the resources loaded together; findings ordered by severity, then as found. */
export function analyze(resources: LoadedResource[], opts?: { meshConfig?: unknown }): Issue[] {
  const out: Issue[] = [];
  const ctx = buildContext(resources, meshConfigOf(resources, opts?.meshConfig), out);
  for (const a of ANALYZERS) a.analyze(ctx);
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity]); // stable: analyzer order within a severity
}
