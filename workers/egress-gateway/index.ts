// The egress gateway worker: the proxy `istio: egressgateway` in istio-system.
import { connect } from 'cloudflare:sockets';
import { createGateway } from '../../src/gateway/worker.ts';

export default createGateway({ role: 'egress', labels: { istio: 'egressgateway', app: 'istio-egressgateway' }, connect });
