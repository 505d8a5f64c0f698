import { describe, expect, test, vi } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { XdsServer } from '../../../src/controlplane/xds-server.ts';
import { createGateway, refreshMsOf, type GatewayEnv } from '../../../src/gateway/worker.ts';
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

describe('MESHGATE_REFRESH_MS', () => {
  test('milliseconds or a duration; anything else is logged and the default used, never "no refresh"', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect([refreshMsOf(undefined), refreshMsOf('200'), refreshMsOf('250ms'), refreshMsOf('2s'), refreshMsOf('0')]).toEqual([500, 200, 250, 2000, 0]);
      expect(warn).not.toHaveBeenCalled();
      expect([refreshMsOf('fast'), refreshMsOf('-1'), refreshMsOf('1.5s')]).toEqual([500, 500, 500]);
      expect(warn).toHaveBeenCalledTimes(3);
      expect(String(warn.mock.calls[0]![0])).toContain('MESHGATE_REFRESH_MS="fast" is not a number of milliseconds');
    } finally {
      warn.mockRestore();
    }
  });

  test('a gateway configured with "500ms" keeps refreshing under traffic', async () => {
    let calls = 0;
    const server = new XdsServer(() => ({ resources: loadManifest(yaml).resources.map((r) => r.resource), version: 1 }));
    const env: GatewayEnv = { XDS: { discover: (req) => (calls++, server.discover(req)) }, MESHGATE_REFRESH_MS: '500ms' };
    const rt = testRuntime(1);
    const gw = createGateway({ role: 'ingress', labels: { istio: 'ingressgateway' }, runtime: rt });
    const scheduled: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void scheduled.push(p), passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
    const send = () => gw.fetch!(new Request('http://example.com/') as never, env, ctx) as Promise<Response>;
    await send(); // cold: loads
    await Promise.all(scheduled);
    const afterLoad = calls;
    rt.advance(600);
    await send();
    await Promise.all(scheduled);
    expect(calls).toBeGreaterThan(afterLoad);
  });
});
