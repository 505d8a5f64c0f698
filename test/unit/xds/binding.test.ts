import { describe, expect, test } from 'vitest';
import { generateSnapshot } from '../../../src/xds/generate.ts';
import type { Node } from '../../../src/xds/protocol.ts';
import { egress, ingress, push } from './snapshot-helpers.ts';

// Which VirtualServices a gateway binds and in what order their routes land (Istio gateway.go
// buildGatewayHTTPRouteConfig, push_context.go VirtualServicesForGateway / getGatewayNames,
// route.go sourceMatchHTTP; egress: the sidecar's httproute.go).

const gateway = (name = 'gw', ns = 'istio-system', extra = '') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
${extra}`;
const vs = (name: string, ns: string, hosts: string[], gateways: string[] | undefined, http: string, more = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
${gateways ? `  gateways: [${gateways.join(', ')}]\n` : ''}${more}  http:
${http}`;
const direct = (status: number) => `    directResponse: {status: ${status}}`;

/** `vhost name → [match path, direct status or cluster]` for route table `name`. */
async function table(texts: string[], node: Node = ingress, name = 'http.80') {
  const { snapshot } = await generateSnapshot(push(...texts), node);
  const rc = snapshot.resources.route.find((r) => r.name === name);
  expect(rc, name).toBeDefined();
  return Object.fromEntries(rc!.virtual_hosts.map((v) => [v.name, v.routes.map((r) => [r.match.prefix ?? r.match.path, r.direct_response?.status ?? r.route?.cluster ?? (r.redirect ? 'redirect' : undefined)])]));
}

describe('ingress gateway binding', () => {
  test('a VirtualService with no route for the port adds no virtual host, so it cannot hide a wildcard one', async () => {
    const t = await table([
      gateway('gw', 'istio-system', '  - {port: {number: 8443, name: http-alt, protocol: HTTP}, hosts: ["*"]}\n'),
      vs('a', 'default', ['a.example.com'], ['istio-system/gw'], `  - match: [{port: 8443}]\n${direct(201)}\n`),
      vs('all', 'default', ['*'], ['istio-system/gw'], `  - match: [{port: 80}]\n${direct(301)}\n`),
    ]);
    expect(t).toEqual({ '*:80': [['/', 301]] });
  });

  test('TCP, TLS and passthrough servers take no http routes (Istio IsHTTPServer); an HTTPS server that terminates TLS does', async () => {
    const servers = [
      '  - {port: {number: 443, name: https-pt, protocol: HTTPS}, hosts: ["pt.example.com"], tls: {mode: PASSTHROUGH}}',
      '  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: ["simple.example.com"], tls: {mode: SIMPLE, credentialName: simple-cert}}',
      '  - {port: {number: 8443, name: https-unset, protocol: HTTPS}, hosts: ["*"], tls: {}}',
      '  - {port: {number: 2053, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: tls-cert}}',
      '  - {port: {number: 2083, name: tcp, protocol: TCP}, hosts: ["*"]}',
    ].join('\n');
    const texts = [gateway('gw', 'istio-system', `${servers}\n`), vs('all', 'default', ['*'], ['istio-system/gw'], '  - directResponse: {status: 200}\n')];
    const { snapshot } = await generateSnapshot(push(...texts), ingress);
    expect(snapshot.resources.route.map((r) => r.name).sort()).toEqual(['http.443', 'http.80']);
    expect(snapshot.resources.listener.map((l) => l.name).sort()).toEqual(['0.0.0.0_443', '0.0.0.0_80']);
    // On 443 only the terminating server's host is routed; the passthrough host is not.
    expect(await table(texts, ingress, 'http.443')).toEqual({ 'simple.example.com:443': [['/', 200]] });
  });

  test("a match's own gateways never bind a VirtualService: only its top-level gateways do (getGatewayNames)", async () => {
    const t = await table([gateway(), vs('a', 'default', ['a.example.com'], undefined, `  - match: [{uri: {prefix: /x}, gateways: [istio-system/gw]}]\n${direct(200)}\n`)]);
    expect(t).toEqual({ 'blackhole:80': [] });
  });

  test("exportTo is read against the proxy's namespace (istio-system), not the Gateway's", async () => {
    const t = await table([
      gateway('gw', 'edge'),
      vs('private-to-edge', 'edge', ['a.example.com'], ['edge/gw'], `  - route: [{destination: {host: a.example.com}}]\n`, '  exportTo: ["."]\n'),
      vs('to-istio-system', 'default', ['b.example.com'], ['edge/gw'], `${direct(200).replace('    ', '  - ')}\n`, '  exportTo: [istio-system]\n'),
    ]);
    expect(Object.keys(t)).toEqual(['b.example.com:80']);
  });

  test('a legacy dotted gateway reference name.namespace binds (resolveGatewayName)', async () => {
    const t = await table([gateway(), vs('a', 'default', ['a.example.com'], ['gw.istio-system'], `${direct(200).replace('    ', '  - ')}\n`)]);
    expect(t).toEqual({ 'a.example.com:80': [['/', 200]] });
  });

  test("VirtualServices private to the proxy's namespace come first, then exported ones, then public ones (oldest first within each)", async () => {
    const api = (status: number) => `  - match: [{uri: {prefix: /api}}]\n${direct(status)}\n`;
    const t = await table([
      gateway(),
      vs('public-old', 'default', ['a.example.com'], ['istio-system/gw'], api(200)),
      vs('exported', 'default', ['a.example.com'], ['istio-system/gw'], api(201), '  exportTo: [istio-system]\n'),
      vs('private-new', 'istio-system', ['a.example.com'], ['istio-system/gw'], api(202), '  exportTo: ["."]\n'),
    ]);
    expect(t['a.example.com:80']!.map((r) => r[1])).toEqual([202, 201, 200]);
  });
});

describe('egress gateway virtual hosts', () => {
  const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [api.example.com, web.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
`;
  const only = (path: string, status: number) => `  - match: [{uri: {prefix: ${path}}}]\n${direct(status)}\n`;

  test("one host's VirtualService never routes another host; a wildcard one covers registry hosts no VirtualService names; the oldest mesh VirtualService of a host wins", async () => {
    const t = await table([
      se,
      vs('old', 'default', ['api.example.com'], undefined, only('/a', 200)),
      vs('new', 'default', ['api.example.com'], undefined, only('/b', 418)),
      vs('wild', 'default', ['*.example.com'], undefined, only('/c', 451)),
    ], egress, '80');
    expect(t['api.example.com:80']).toEqual([['/a', 200]]);
    expect(t['web.example.com:80']).toEqual([['/c', 451]]);
    expect(t['*.example.com:80']).toEqual([['/c', 451]]);
  });

  test("an older ServiceEntry the gateways cannot see does not hide a newer one exported to them (Istio keeps one per host and namespace)", async () => {
    const entry = (name: string, ns: string, address: string, exportTo = '') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [api.example.com]
${exportTo}  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: ${address}}]
`;
    const texts = [entry('private', 'a', '192.0.2.1', '  exportTo: ["."]\n'), entry('public', 'b', '192.0.2.2')];
    expect(await table(texts, egress, '80')).toMatchObject({ 'api.example.com:80': [['/', 'outbound|80||api.example.com']] });
    const { snapshot } = await generateSnapshot(push(...texts), egress);
    const cla = snapshot.resources.endpoint.find((e) => e.cluster_name === 'outbound|80||api.example.com');
    expect(cla?.endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.address))).toEqual(['192.0.2.2']);
    // An entry exported to istio-system by name comes before an older public one.
    const named = await generateSnapshot(push(entry('public', 'b', '192.0.2.2'), entry('named', 'c', '192.0.2.3', '  exportTo: [istio-system]\n')), egress);
    expect(named.snapshot.resources.endpoint.find((e) => e.cluster_name === 'outbound|80||api.example.com')?.endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.address))).toEqual(['192.0.2.3']);
  });

  test("the Sidecar scoping the egress gateway limits VirtualServices and clusters too: a VirtualService cannot reopen a host its egress hosts leave out", async () => {
    const sidecar = (selector: string) => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
${selector}  egress: [{hosts: ["team-a/*"]}]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`;
    const teamB = se.replace('name: ext, namespace: default', 'name: ext, namespace: team-b');
    const vsB = vs('b', 'team-b', ['api.example.com'], undefined, '  - route: [{destination: {host: api.example.com}}]\n');
    for (const selector of ['', '  workloadSelector: {labels: {}}\n']) {
      const texts = [teamB, vsB, sidecar(selector)];
      expect(Object.keys(await table(texts, egress, '80')), selector).toEqual(['block_all']);
      const { snapshot } = await generateSnapshot(push(...texts), egress);
      expect(snapshot.resources.cluster.map((c) => c.name).filter((n) => n.includes('example.com'))).toEqual([]);
    }
    // A team-a VirtualService (its hosts are team-a's to name) routing to team-b's left-out
    // service: the route is there, as in Istio, but the service gets no cluster (503).
    const teamA = se.replace('name: ext, namespace: default', 'name: ext, namespace: team-a').replace('hosts: [api.example.com, web.example.com]', 'hosts: [web.example.com]');
    const vsA = vs('a', 'team-a', ['web.example.com'], undefined, '  - route: [{destination: {host: api.example.com}}]\n');
    const texts = [teamA, teamB, vsA, sidecar('')];
    expect(await table(texts, egress, '80')).toMatchObject({ 'web.example.com:80': [['/', 'outbound|80||api.example.com']] });
    const { snapshot } = await generateSnapshot(push(...texts), egress);
    expect(snapshot.resources.cluster.map((c) => c.name).filter((n) => n.includes('example.com'))).toEqual(['outbound|80||web.example.com']);
  });

  test("a mesh VirtualService private to the gateway's namespace comes before an older public one (Istio's order)", async () => {
    const t = await table([
      se,
      vs('public-old', 'default', ['api.example.com'], undefined, only('/a', 200)),
      vs('private', 'istio-system', ['api.example.com'], undefined, only('/p', 202), '  exportTo: ["."]\n'),
    ], egress, '80');
    expect(t['api.example.com:80']).toEqual([['/p', 202]]);
  });

  test('sourceLabels / sourceNamespace in a mesh route select the calling workload, which the egress gateway cannot tell: such a match never applies', async () => {
    const t = await table([
      se,
      vs('by-source', 'default', ['api.example.com'], undefined, `  - match: [{sourceNamespace: istio-system}]\n${direct(403)}\n  - match: [{sourceLabels: {istio: egressgateway}}]\n${direct(404)}\n  - route: [{destination: {host: api.example.com}}]\n`),
    ], egress, '80');
    expect(t['api.example.com:80']).toEqual([['/', 'outbound|80||api.example.com']]);
  });
});
