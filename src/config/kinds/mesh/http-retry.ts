// MeshConfig `defaultHttpRetryPolicy` is Istio's HTTPRetry (networking/v1alpha3
// virtual_service.proto), with the same validation as a VirtualService's `retries`.
export { httpRetry as meshHttpRetry, RETRY_ON_POLICIES } from '../networking/http-retry.ts';
export type { HTTPRetry as MeshHTTPRetry } from '../networking/http-retry.ts';
