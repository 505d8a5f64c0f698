// The ingress gateway worker: the proxy `istio: ingressgateway` in istio-system.
import { connect } from 'cloudflare:sockets';
import { createGateway } from '../../src/gateway/worker.ts';

export default createGateway({ role: 'ingress', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' }, connect });
