import { stubGateway } from './gateway.ts'; export default stubGateway('egress', { istio: 'egressgateway', app: 'istio-egressgateway' });
