import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { humanDuration } from '../../../src/cli/resources.ts';
import { unifiedDiff } from '../../../src/cli/linediff.ts';
import { on, runCli, startFakeAdmin } from './fake-admin.ts';
import { DR_REVIEWS, GW, SE_HTTPBIN, VS_REVIEWS } from './fixtures-remote.ts';
import { tempTree } from './run.ts';

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('meshgate get', () => {
  test('tables with the Istio CRD columns and AGE', async () => {
    const fake = await startFakeAdmin();
    fake.seed(VS_REVIEWS, ago(5 * 60_000 + 3_000));
    fake.seed(VS_REVIEWS.replace('name: reviews', 'name: ratings').replace('- reviews', '- ratings\n  - ratings.example.com'), ago(3 * 86_400_000));
    fake.seed(DR_REVIEWS, ago(30_000));
    fake.seed(SE_HTTPBIN, ago(2 * 3600_000));
    fake.seed(GW, ago(10_000));

    const vs = await runCli(['get', 'vs', ...on(fake)]);
    expect(vs).toMatchObject({ code: 0, err: '' });
    expect(vs.out).toBe(
      'NAME      GATEWAYS               HOSTS                               AGE\n' +
        'ratings   ["bookinfo-gateway"]   ["ratings","ratings.example.com"]   3d\n' +
        'reviews   ["bookinfo-gateway"]   ["reviews"]                         5m3s\n',
    );
    expect(fake.requests.at(-1)!.path).toBe('/apis/networking.istio.io/v1/namespaces/default/virtualservices');
    expect((await runCli(['get', 'destinationrules', ...on(fake)])).out).toBe('NAME      HOST      AGE\nreviews   reviews   30s\n');
    expect((await runCli(['get', 'gw', ...on(fake)])).out).toBe('NAME               AGE\nbookinfo-gateway   10s\n');
    expect((await runCli(['get', 'serviceentry', '-n', 'egress', ...on(fake)])).out).toBe('NAME      HOSTS             LOCATION        RESOLUTION   AGE\nhttpbin   ["httpbin.org"]   MESH_EXTERNAL   DNS          120m\n');
  });

  test('-A adds NAMESPACE and lists all namespaces; a name across namespaces is a usage error', async () => {
    const fake = await startFakeAdmin();
    fake.seed(SE_HTTPBIN, ago(1000));
    fake.seed(SE_HTTPBIN.replace('namespace: egress', 'namespace: apps'), ago(1000));
    const r = await runCli(['get', 'se', '-A', ...on(fake)]);
    expect(r.out.split('\n')[0]).toBe('NAMESPACE   NAME      HOSTS             LOCATION        RESOLUTION   AGE');
    expect(r.out.split('\n').slice(1, 3).map((l) => l.split(/\s+/)[0])).toEqual(['apps', 'egress']);
    expect(fake.requests.at(-1)!.path).toBe('/apis/networking.istio.io/v1/serviceentries');
    expect((await runCli(['get', 'se', 'httpbin', '-A', ...on(fake)])).code).toBe(2);
  });

  test('-o yaml|json: one resource alone, a list as a List', async () => {
    const fake = await startFakeAdmin();
    fake.seed(VS_REVIEWS);
    fake.seed(DR_REVIEWS);
    const one = await runCli(['get', 'vs', 'reviews', '-o', 'yaml', ...on(fake)]);
    expect(one.code).toBe(0);
    const doc = parse(one.out) as { kind: string; metadata: { name: string; resourceVersion: string }; spec: { hosts: string[] } };
    expect(doc).toMatchObject({ kind: 'VirtualService', metadata: { name: 'reviews' }, spec: { hosts: ['reviews'] } });
    const list = JSON.parse((await runCli(['get', 'dr', '-o', 'json', ...on(fake)])).out) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
  });

  test('not found: kubectl NotFound wording, exit 1; nothing there: No resources found in NS namespace.', async () => {
    const fake = await startFakeAdmin();
    const nf = await runCli(['get', 'vs', 'x', ...on(fake)]);
    expect(nf).toMatchObject({ code: 1, out: '', err: 'Error from server (NotFound): virtualservices.networking.istio.io "x" not found\n' });
    const none = await runCli(['get', 'vs', '-n', 'bookinfo', ...on(fake)]);
    expect(none).toMatchObject({ code: 0, out: '', err: 'No resources found in bookinfo namespace.\n' });
    expect((await runCli(['get', 'vs', '-A', ...on(fake)])).err).toBe('No resources found\n');
    expect((await runCli(['get', ...on(fake)])).code).toBe(2);
    expect((await runCli(['get', 'pods', ...on(fake)])).err).toContain('the server doesn\'t have a resource type "pods"');
  });

  test('AGE follows kubectl HumanDuration', () => {
    expect([5_000, 119_000, 150_000, 600_000, 3 * 3600_000 + 5 * 60_000, 30 * 3600_000, 3 * 86_400_000 + 4 * 3600_000, 40 * 86_400_000, 800 * 86_400_000, 9 * 365 * 86_400_000].map(humanDuration)).toEqual([
      '5s', '119s', '2m30s', '10m', '3h5m', '30h', '3d4h', '40d', '2y70d', '9y',
    ]);
  });
});

describe('meshgate diff', () => {
  test('no differences: exit 0 and no output, even with reordered keys and server-set metadata', async () => {
    const fake = await startFakeAdmin();
    fake.seed(VS_REVIEWS);
    const reordered = VS_REVIEWS.replace('  hosts:\n  - reviews\n  gateways:\n  - bookinfo-gateway\n', '  gateways:\n  - bookinfo-gateway\n  hosts:\n  - reviews\n');
    expect(reordered).not.toBe(VS_REVIEWS);
    const r = await runCli(['diff', '-f', '-', ...on(fake)], { stdin: reordered });
    expect(r).toEqual({ code: 0, out: '', err: '' });
    expect(fake.requests.at(-1)!.path).toBe('/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews');
  });

  test('a change is a unified diff, exit 1; a new resource is shown whole as created', async () => {
    const fake = await startFakeAdmin();
    fake.seed(VS_REVIEWS);
    const changed = VS_REVIEWS.replace('subset: v1', 'subset: v2').replace('  name: reviews\n', '  name: reviews\n  labels:\n    app: reviews\n');
    const r = await runCli(['diff', '-f', '-', ...on(fake)], { stdin: `${changed}---\n${DR_REVIEWS}` });
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toContain(
      '--- virtualservice.networking.istio.io/default/reviews (live)\n' +
        '+++ virtualservice.networking.istio.io/default/reviews (merged)\n' +
        '@@ -1,6 +1,8 @@\n' +
        ' apiVersion: networking.istio.io/v1\n' +
        ' kind: VirtualService\n' +
        ' metadata:\n' +
        '+  labels:\n' +
        '+    app: reviews\n' +
        '   name: reviews\n' +
        '   namespace: default\n' +
        ' spec:\n',
    );
    expect(r.out).toContain('-            subset: v1\n+            subset: v2\n');
    expect(r.out).toContain('--- /dev/null\n+++ destinationrule.networking.istio.io/default/reviews (created)\n@@ -0,0 +1,');
    expect(r.out).toContain('+  host: reviews\n');
    expect(r.out).not.toMatch(/resourceVersion|creationTimestamp|uid|generation/);
  });

  test('errors are exit 2: invalid manifest, unreachable mesh, bad token', async () => {
    const fake = await startFakeAdmin();
    const bad = await runCli(['diff', '-f', '-', ...on(fake)], { stdin: VS_REVIEWS.replace('hosts:', 'hostz:') });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^-:6:3 VirtualService\/default\/reviews spec\.hostz: unknown field "hostz"/);
    expect((await runCli(['diff', '-f', '-', ...on(fake, 'wrong')], { stdin: VS_REVIEWS })).code).toBe(2);
    const url = fake.url;
    await fake.close();
    const down = await runCli(['diff', '-f', '-', '--server', url, '--token', 't'], { stdin: VS_REVIEWS });
    expect(down.code).toBe(2);
    expect(down.err).toContain('cannot reach the mesh');
  });

  test('unifiedDiff: hunks with three lines of context, merged when close', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const b = a.replace('l2\n', 'L2\n').replace('l5\n', 'L5\n').replace('l17', 'L17');
    expect(unifiedDiff(a, b, { from: 'a', to: 'b' })).toBe(
      '--- a\n+++ b\n@@ -1,9 +1,9 @@\n l0\n l1\n-l2\n+L2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n@@ -15,6 +15,6 @@\n l14\n l15\n l16\n-l17\n+L17\n l18\n l19\n',
    );
    expect(unifiedDiff('x\n', 'x\n', { from: 'a', to: 'b' })).toBe('');
  });
});
