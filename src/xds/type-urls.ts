// xDS resource type URLs, and the order updates are applied in: make-before-break, clusters and
// endpoints before the listeners and routes that use them (Envoy xDS protocol "eventual
// consistency considerations"; Istio PushOrder; go-control-plane pkg/cache/types).
export const TYPE_URL = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceType = keyof typeof TYPE_URL;
export type TypeUrl = (typeof TYPE_URL)[ResourceType];

export const PUSH_ORDER: readonly ResourceType[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];

export const typeOfUrl = (url: string): ResourceType | undefined => PUSH_ORDER.find((t) => TYPE_URL[t] === url);
