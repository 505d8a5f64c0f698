import { afterEach, describe, expect, test } from 'vitest';
import { interrupts } from '../../../src/cli/commands/proxy-config.ts';
import { on, runCli, startFakeAdmin, type FakeAdmin } from './fake-admin.ts';
import { EGRESS_NODE, INGRESS_NODE, snapshot, SYNCZ } from './fixtures-remote.ts';

async function meshWithProxies(): Promise<FakeAdmin> {
  const fake = await startFakeAdmin();
  fake.syncz = SYNCZ;
  fake.dumps['istio-ingressgateway'] = { node: INGRESS_NODE, snapshot: snapshot('v1v1v1v1v1v1v1v1'), warnings: [] };
  fake.dumps['istio-egressgateway'] = { node: EGRESS_NODE, snapshot: snapshot('e1e1e1e1e1e1e1e1'), warnings: [] };
  return fake;
}

describe('meshgate proxy-status', () => {
  test('one row per proxy, per-type sync state, short version, and the NACK line', async () => {
    const fake = await meshWithProxies();
    const r = await runCli(['proxy-status', ...on(fake)]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe(
      'NAME                   ROLE      CLUSTERS   ENDPOINTS   LISTENERS   ROUTES   SECRETS   VERSION\n' +
        'istio-egressgateway    egress    SYNCED     SYNCED      SYNCED      SYNCED   SYNCED    01234567\n' +
        'istio-ingressgateway   ingress   SYNCED     SYNCED      SYNCED      STALE    SYNCED    fedcba98\n' +
        'NACK istio-ingressgateway: rejected version aaaaaaaa 5s ago: route http.80: bad regex\n',
    );
    expect(fake.requests.at(-1)!.path).toBe('/debug/syncz');
    const one = await runCli(['ps', 'istio-egressgateway', '-o', 'json', ...on(fake)]);
    expect(JSON.parse(one.out)).toHaveLength(1);
    expect((await runCli(['proxy-status', 'nope', ...on(fake)])).code).toBe(1);
  });

  test('no proxies yet, and a proxy that has sent nothing', async () => {
    const fake = await startFakeAdmin();
    const r = await runCli(['proxy-status', ...on(fake)]);
    expect(r).toMatchObject({ code: 0, out: '' });
    expect(r.err).toContain('No proxies have connected');
    // `proxy-config --watch` streams are nodes of their own, not gateways: not listed.
    fake.syncz = [{ proxy: 'p', role: 'ingress', status: 'NOT SENT', types: {} }, { proxy: 'meshgate-cli-watch~p~abc', role: 'ingress', status: 'SYNCED', types: {} }];
    expect((await runCli(['proxy-status', ...on(fake)])).out).not.toContain('meshgate-cli-watch');
    expect((await runCli(['proxy-config', 'routes', ...on(fake)])).err).toContain('proxy "p" has not connected');
    expect((await runCli(['proxy-status', ...on(fake)])).out).toContain('p      ingress   NOT SENT   NOT SENT    NOT SENT    NOT SENT   NOT SENT   -\n');
  });
});

describe('meshgate proxy-config', () => {
  test('routes of the default proxy (istio-ingressgateway)', async () => {
    const fake = await meshWithProxies();
    const r = await runCli(['proxy-config', 'routes', ...on(fake)]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe(
      'NAME      VHOST NAME                DOMAINS                MATCH       VIRTUAL SERVICE\n' +
        'http.80   bookinfo.example.com:80   bookinfo.example.com   /reviews*   reviews.default\n',
    );
    expect(fake.requests.map((q) => q.path)).toEqual(['/debug/syncz', '/debug/config_dump?proxy=istio-ingressgateway']);
  });

  test('clusters, listeners, endpoints, secrets; positional and --proxy', async () => {
    const fake = await meshWithProxies();
    expect((await runCli(['proxy-config', 'clusters', 'istio-egressgateway', ...on(fake)])).out).toBe(
      'SERVICE FQDN                        PORT   SUBSET   DIRECTION   TYPE         DESTINATION RULE\n' +
        'reviews.default.svc.cluster.local   9080   v1       outbound    EDS          reviews.default\n' +
        'BlackHoleCluster                    -      -        -           STATIC       -\n' +
        'httpbin.org                         80     -        outbound    STRICT_DNS   -\n',
    );
    expect(fake.requests.at(-1)!.path).toBe('/debug/config_dump?proxy=istio-egressgateway');
    expect((await runCli(['pc', 'listeners', '--proxy', 'istio-ingressgateway', ...on(fake)])).out).toBe('ADDRESSES   PORT   MATCH   DESTINATION\n0.0.0.0     80     ALL     Route: http.80\n');
    expect((await runCli(['proxy-config', 'endpoints', ...on(fake)])).out).toBe(
      'ENDPOINT                 STATUS    OUTLIER CHECK   CLUSTER\n' +
        'worker:reviews-v1:9080   HEALTHY   OK              outbound|9080|v1|reviews.default.svc.cluster.local\n' +
        'httpbin.org:80           HEALTHY   OK              outbound|80||httpbin.org\n',
    );
    expect((await runCli(['proxy-config', 'secret', ...on(fake)])).out).toBe('RESOURCE NAME   TYPE\nROOTCA          CA\nmeshgate-jwks   JWKS\n');
  });

  test('-o json prints the Envoy resources of that type', async () => {
    const fake = await meshWithProxies();
    const r = await runCli(['proxy-config', 'routes', '-o', 'json', ...on(fake)]);
    expect(JSON.parse(r.out)).toEqual(snapshot('x').resources.route);
    expect(JSON.parse((await runCli(['proxy-config', 'clusters', '-o', 'json', ...on(fake)])).out)[0].name).toBe('outbound|9080|v1|reviews.default.svc.cluster.local');
  });

  test('errors: unknown type (exit 2), unknown proxy (exit 1), several proxies and no ingress default (exit 2), none connected', async () => {
    const fake = await meshWithProxies();
    expect((await runCli(['proxy-config', 'routez', ...on(fake)])).code).toBe(2);
    expect((await runCli(['proxy-config', ...on(fake)])).code).toBe(2);
    const nope = await runCli(['proxy-config', 'routes', 'nope', ...on(fake)]);
    expect(nope.code).toBe(1);
    expect(nope.err).toBe('error: proxy "nope" has not connected; /debug/syncz lists the connected proxies\nmeshgate proxy-status lists the connected proxies\n');
    fake.syncz = [{ proxy: 'a', role: 'egress' }, { proxy: 'b', role: 'egress' }];
    const several = await runCli(['proxy-config', 'routes', ...on(fake)]);
    expect(several.code).toBe(2);
    expect(several.err).toContain('several proxies are connected; name one: a, b');
    fake.syncz = [{ proxy: 'only-one', role: 'egress' }];
    fake.dumps['only-one'] = { node: EGRESS_NODE, snapshot: snapshot('z') };
    expect((await runCli(['proxy-config', 'secrets', ...on(fake)])).code).toBe(0);
    fake.syncz = [];
    expect((await runCli(['proxy-config', 'routes', ...on(fake)])).err).toContain('no proxy has connected to the control plane yet');
  });

  describe('--watch', () => {
    const realWait = interrupts.wait;
    let interrupt = () => {};
    afterEach(() => {
      interrupts.wait = realWait;
    });
    const controlled = () => {
      interrupts.wait = () => new Promise<void>((resolve) => (interrupt = resolve));
    };
    const waitFor = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(cond()).toBe(true);
    };

    test('over the /xds/ws WebSocket: reprints the table on every push, ACKs, exits 0 on Ctrl-C', async () => {
      const fake = await meshWithProxies();
      controlled();
      let out = '';
      const running = runCli(['proxy-config', 'routes', '--watch', ...on(fake)], { onOut: (o) => (out = o) });
      await fake.wsConnected();
      await waitFor(() => fake.wsMessages.length >= 2); // the request and the ACK of the first full response
      const [req, ack] = fake.wsMessages as { node: { id: string; role: string }; version_info?: string; response_nonce?: string }[];
      expect(req!.node.id).toMatch(/^meshgate-cli-watch~istio-ingressgateway~/);
      expect(req!.node.role).toBe('ingress');
      expect(ack).toMatchObject({ version_info: 'v1v1v1v1v1v1v1v1', response_nonce: expect.any(String) });
      expect(fake.requests.some((q) => q.path === '/xds/ws' && q.auth === `Bearer ${fake.token}`)).toBe(true);
      // The same version again prints nothing; a new one reprints.
      expect(out.match(/^NAME/gm)).toHaveLength(1);
      fake.dumps['istio-ingressgateway'] = { node: INGRESS_NODE, snapshot: snapshot('v2v2v2v2v2v2v2v2', true) };
      fake.push('istio-ingressgateway');
      await waitFor(() => out.includes('/ratings'));
      expect(out.match(/^NAME/gm)).toHaveLength(2);
      interrupt();
      const r = await running;
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
    });

    test('--poll polls config_dump every second', async () => {
      const fake = await meshWithProxies();
      controlled();
      let out = '';
      const running = runCli(['proxy-config', 'clusters', '--watch', '--poll', ...on(fake)], { onOut: (o) => (out = o) });
      await waitFor(() => out.includes('SERVICE FQDN'));
      fake.dumps['istio-ingressgateway'] = { node: INGRESS_NODE, snapshot: { ...snapshot('v3'), resources: { ...snapshot('v3').resources, cluster: [{ name: 'PassthroughCluster', type: 'ORIGINAL_DST' }] } } };
      await waitFor(() => out.includes('PassthroughCluster'));
      interrupt();
      expect((await running).code).toBe(0);
      expect(fake.requests.some((q) => q.path === '/xds/ws')).toBe(false);
    });
  });
});
