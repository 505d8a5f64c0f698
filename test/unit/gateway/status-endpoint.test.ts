import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { XdsServer } from '../../../src/controlplane/xds-server.ts';
import { createGateway, type GatewayEnv } from '../../../src/gateway/worker.ts';
import { testRuntime } from '../../../src/gateway/runtime.ts';

// The reserved authority `meshgate.status` polls the control plane before answering, so an idle
// gateway catches up; any client can send that Host, so it polls at most once per 100 ms.
const yaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;

describe('status endpoint', () => {
  test('answers ready after polling, and polls at most once per 100 ms', async () => {
    const server = new XdsServer(() => ({ resources: loadManifest(yaml).resources.map((r) => r.resource), version: 1 }));
    let calls = 0;
    const env: GatewayEnv = { XDS: { discover: (req) => (calls++, server.discover(req)) } };
    const rt = testRuntime(1);
    const gw = createGateway({ role: 'ingress', labels: { istio: 'ingressgateway' }, runtime: rt });
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
    const ready = () => gw.fetch!(new Request('http://meshgate.status/healthz/ready') as never, env, ctx) as Promise<Response>;
    const first = await ready();
    expect(first.status).toBe(200);
    expect(((await first.json()) as { ready: boolean }).ready).toBe(true);
    expect(calls).toBe(2); // the discovery and its ACK
    for (let i = 0; i < 5; i++) expect((await ready()).status).toBe(200);
    expect(calls).toBe(2);
    rt.advance(100);
    await ready();
    expect(calls).toBe(3);
  });
});
