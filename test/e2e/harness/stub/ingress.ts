import { stubGateway } from './gateway.ts'; export default stubGateway('ingress', { istio: 'ingressgateway', app: 'istio-ingressgateway' });
