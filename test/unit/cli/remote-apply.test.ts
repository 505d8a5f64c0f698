import { describe, expect, test } from 'vitest';
import { on, runCli, startFakeAdmin } from './fake-admin.ts';
import { DR_REVIEWS, VS_BAD, VS_REVIEWS } from './fixtures-remote.ts';
import { tempTree } from './run.ts';

describe('meshgate apply', () => {
  test('created, then unchanged, then configured, in kubectl wording; the file text goes to /v1/apply', async () => {
    const fake = await startFakeAdmin();
    const dir = tempTree({ 'app/vs.yaml': VS_REVIEWS, 'app/dr.yaml': DR_REVIEWS });
    const first = await runCli(['apply', '-f', 'app', ...on(fake)], { cwd: dir });
    expect(first).toMatchObject({ code: 0, err: '' });
    // Directory files in sorted order: dr.yaml, vs.yaml
    expect(first.out).toBe('destinationrule.networking.istio.io/reviews created\nvirtualservice.networking.istio.io/reviews created\n');
    const posts = fake.requests.filter((r) => r.path.startsWith('/v1/apply'));
    expect(posts.map((p) => p.body)).toEqual([DR_REVIEWS, VS_REVIEWS]);
    expect(posts[0]!.auth).toBe(`Bearer ${fake.token}`);

    expect((await runCli(['apply', '-f', 'app/vs.yaml', ...on(fake)], { cwd: dir })).out).toBe('virtualservice.networking.istio.io/reviews unchanged\n');
    const changed = tempTree({ 'vs.yaml': VS_REVIEWS.replace('subset: v1', 'subset: v2') });
    expect((await runCli(['apply', '-f', 'vs.yaml', ...on(fake)], { cwd: changed })).out).toBe('virtualservice.networking.istio.io/reviews configured\n');
  });

  test('--dry-run adds (dry run), sends dryRun=true and stores nothing; -n sets the default namespace', async () => {
    const fake = await startFakeAdmin();
    const r = await runCli(['apply', '-f', '-', '--dry-run', '-n', 'bookinfo', ...on(fake)], { stdin: VS_REVIEWS });
    expect(r).toMatchObject({ code: 0, out: 'virtualservice.networking.istio.io/reviews created (dry run)\n' });
    expect(fake.requests.at(-1)!.path).toBe('/v1/apply?namespace=bookinfo&dryRun=true');
    expect(fake.store.size).toBe(0);
    await runCli(['apply', '-f', '-', '-n', 'bookinfo', ...on(fake)], { stdin: VS_REVIEWS });
    expect([...fake.store.keys()]).toEqual(['networking.istio.io/VirtualService/bookinfo/reviews']);
  });

  test('invalid file: errors as file:line:col kind/ns/name path: message, not sent; the valid file is applied; exit 1', async () => {
    const fake = await startFakeAdmin();
    const dir = tempTree({ 'bad.yaml': VS_BAD, 'good.yaml': VS_REVIEWS });
    const r = await runCli(['apply', '-f', 'bad.yaml', '-f', 'good.yaml', ...on(fake)], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('virtualservice.networking.istio.io/reviews created\n');
    expect(r.err).toMatch(/^bad\.yaml:12:15 VirtualService\/default\/bad spec\.http\[0\]\.route\[0\]\.weight: .+\n/);
    expect(r.err).toContain('error: 1 error in "bad.yaml": that file was not applied; 1 other file was\n');
    expect(fake.requests.filter((q) => q.path.startsWith('/v1/apply')).map((q) => q.body)).toEqual([VS_REVIEWS]);
  });

  test("a 400 from the server prints each error against the user's file", async () => {
    const fake = await startFakeAdmin();
    fake.override = (m, p) =>
      p === '/v1/apply'
        ? { status: 400, body: { errors: [
            { document: 0, kind: 'VirtualService', namespace: 'default', name: 'reviews', path: 'spec.hosts[0]', line: 7, column: 5, message: 'host is not allowed' },
            { document: 0, kind: 'VirtualService', namespace: 'default', name: 'reviews', path: 'spec.http', line: 10, column: 3, message: 'second problem' },
          ] } }
        : undefined;
    const dir = tempTree({ 'vs.yaml': VS_REVIEWS });
    const r = await runCli(['apply', '-f', 'vs.yaml', ...on(fake)], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'vs.yaml:7:5 VirtualService/default/reviews spec.hosts[0]: host is not allowed\n' +
        'vs.yaml:10:3 VirtualService/default/reviews spec.http: second problem\n' +
        'error: 2 errors in "vs.yaml": that file was not applied\n' +
        'fix the errors above (meshgate validate -f FILE checks offline) and apply again\n',
    );
  });

  test('usage: no -f is exit 2; an empty manifest is exit 1', async () => {
    const fake = await startFakeAdmin();
    expect((await runCli(['apply', ...on(fake)])).code).toBe(2);
    const r = await runCli(['apply', '-f', '-', ...on(fake)], { stdin: '# nothing\n' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: no resources found in "-"');
  });
});

describe('meshgate delete', () => {
  test('delete KIND NAME with any kubectl spelling of the kind; NotFound in kubectl wording, exit 1', async () => {
    const fake = await startFakeAdmin();
    fake.seed(VS_REVIEWS);
    fake.seed(DR_REVIEWS.replace('namespace: x', ''));
    const r = await runCli(['delete', 'vs', 'reviews', ...on(fake)]);
    expect(r).toMatchObject({ code: 0, out: 'virtualservice.networking.istio.io "reviews" deleted\n', err: '' });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews' });

    for (const kind of ['virtualservice', 'virtualservices', 'VirtualService', 'virtualservices.networking.istio.io']) {
      const gone = await runCli(['delete', kind, 'reviews', ...on(fake)]);
      expect(gone).toMatchObject({ code: 1, out: '', err: 'Error from server (NotFound): virtualservices.networking.istio.io "reviews" not found\n' });
    }
    expect((await runCli(['delete', 'vs', 'reviews', '--ignore-not-found', ...on(fake)])).code).toBe(0);

    const ns = await runCli(['delete', 'dr', 'reviews', '-n', 'other', ...on(fake)]);
    expect(ns.code).toBe(1);
    expect(fake.requests.at(-1)!.path).toBe('/apis/networking.istio.io/v1/namespaces/other/destinationrules/reviews');
    expect((await runCli(['delete', 'destinationrule', 'reviews', '--dry-run', ...on(fake)])).out).toBe('destinationrule.networking.istio.io "reviews" deleted (dry run)\n');
    expect(fake.store.size).toBe(1);
  });

  test('delete -f posts each file to /v1/delete; missing ones are NotFound errors', async () => {
    const fake = await startFakeAdmin();
    fake.seed(VS_REVIEWS);
    const dir = tempTree({ 'all.yaml': `${VS_REVIEWS}---\n${DR_REVIEWS}` });
    const r = await runCli(['delete', '-f', 'all.yaml', ...on(fake)], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('virtualservice.networking.istio.io "reviews" deleted\n');
    expect(r.err).toBe('Error from server (NotFound): error when deleting "all.yaml": destinationrules.networking.istio.io "reviews" not found\n');
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/delete', body: `${VS_REVIEWS}---\n${DR_REVIEWS}` });
    expect(fake.store.size).toBe(0);
    // A spec that no longer validates can still be deleted.
    const bad = tempTree({ 'bad.yaml': VS_BAD });
    fake.seed(VS_BAD.replace('weight: -5', 'weight: 100'));
    expect((await runCli(['delete', '-f', 'bad.yaml', ...on(fake)], { cwd: bad })).out).toBe('virtualservice.networking.istio.io "bad" deleted\n');
    // A Deployment beside the Istio resources is skipped with a warning; the delete goes ahead.
    fake.seed(VS_REVIEWS);
    const mixed = tempTree({ 'app.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: reviews}\nspec: {}\n---\n${VS_REVIEWS}` });
    const m = await runCli(['delete', '-f', 'app.yaml', ...on(fake)], { cwd: mixed });
    expect([m.code, m.out]).toEqual([0, 'virtualservice.networking.istio.io "reviews" deleted\n']);
    expect(m.err).toMatch(/^Warning: .*skipped Deployment \(apps\/v1\)/);
  });

  test('usage and unknown kinds', async () => {
    const fake = await startFakeAdmin();
    expect((await runCli(['delete', ...on(fake)])).code).toBe(2);
    expect((await runCli(['delete', 'vs', ...on(fake)])).err).toContain('no name was specified');
    const unknown = await runCli(['delete', 'pods', 'x', ...on(fake)]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('error: the server doesn\'t have a resource type "pods"');
    expect((await runCli(['delete', 'vs', 'x', '-f', 'y', ...on(fake)])).code).toBe(2);
  });
});
