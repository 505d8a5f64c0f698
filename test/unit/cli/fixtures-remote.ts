// Manifests and a snapshot for the remote verbs' tests.

export const VS_REVIEWS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  gateways:
  - bookinfo-gateway
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
`;

export const DR_REVIEWS = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels:
      version: v1
`;

export const SE_HTTPBIN = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
  namespace: egress
spec:
  hosts:
  - httpbin.org
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - number: 80
    name: http
    protocol: HTTP
`;

export const GW = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "*"
`;

/** Line 13 column 9: `weight: -5` is invalid. */
export const VS_BAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
      weight: -5
`;

export function snapshot(version: string, extraRoute = false) {
  return {
    version,
    config_version: 3,
    type_versions: {},
    resource_versions: {},
    resources: {
      cluster: [
        {
          name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
          type: 'EDS',
          eds_cluster_config: { service_name: 'outbound|9080|v1|reviews.default.svc.cluster.local' },
          metadata: { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews', subset: 'v1' } } },
        },
        { name: 'BlackHoleCluster', type: 'STATIC' },
        {
          name: 'outbound|80||httpbin.org',
          type: 'STRICT_DNS',
          load_assignment: { cluster_name: 'outbound|80||httpbin.org', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'httpbin.org', port_value: 80 } } } }] }] },
        },
      ],
      endpoint: [
        {
          cluster_name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'worker:reviews-v1', port_value: 9080 } } }, health_status: 'HEALTHY' }] }],
        },
      ],
      listener: [
        {
          name: '0.0.0.0_80',
          address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 'outbound_0.0.0.0_80', rds: { route_config_name: 'http.80' }, http_filters: [] } }] }],
        },
      ],
      route: [
        {
          name: 'http.80',
          virtual_hosts: [
            {
              name: 'bookinfo.example.com:80',
              domains: ['bookinfo.example.com', 'bookinfo.example.com:*'],
              routes: [
                { match: { prefix: '/reviews' }, route: { cluster: 'outbound|9080|v1|reviews.default.svc.cluster.local' }, metadata: { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews' } } } },
                ...(extraRoute ? [{ match: { path: '/ratings' }, route: { cluster: 'BlackHoleCluster' } }] : []),
              ],
            },
          ],
        },
      ],
      secret: [{ name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: '-----BEGIN CERTIFICATE-----' } } }, { name: 'meshgate-jwks', 'meshgate.jwks': '{"keys":[]}' }],
    },
  };
}

export const INGRESS_NODE = { id: 'istio-ingressgateway', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
export const EGRESS_NODE = { id: 'istio-egressgateway', role: 'egress', namespace: 'istio-system', labels: { istio: 'egressgateway' } };

const types = (status: string) => Object.fromEntries(['cluster', 'endpoint', 'listener', 'route', 'secret'].map((t) => [t, { sent: 'x', acked: 'x', status }]));

export const SYNCZ = [
  { proxy: 'istio-egressgateway', role: 'egress', namespace: 'istio-system', version: '0123456789abcdef', latest: '0123456789abcdef', status: 'SYNCED', types: types('SYNCED'), lastSeen: new Date().toISOString() },
  {
    proxy: 'istio-ingressgateway',
    role: 'ingress',
    namespace: 'istio-system',
    version: 'fedcba9876543210',
    latest: 'aaaaaaaaaaaaaaaa',
    status: 'STALE',
    types: { ...types('SYNCED'), route: { sent: 'y', acked: 'x', status: 'STALE' } },
    lastNack: { version: 'aaaaaaaaaaaaaaaa', error: 'route http.80: bad regex', at: Date.now() - 5000 },
    lastSeen: new Date().toISOString(),
  },
];
