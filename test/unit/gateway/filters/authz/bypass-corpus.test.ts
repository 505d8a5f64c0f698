import { describe, expect, test } from 'vitest';
import { MESHGATE_PATH_MODE, normalizePath } from '../../../../../src/gateway/http/path.ts';
import { ap, chainFor, decide, DENIED } from './helpers.ts';

// The authorization-bypass corpus (reference §4.4, issue 7): a DENY on /admin and an ALLOW on
// /public* (GET), judged on the path the pipeline produces — the request URL's path as the runtime
// parses it (or, stricter, the raw target), normalized with meshgate's default mode
// (BASE + merge slashes + escaped slashes rejected), which is also the path sent upstream.
// Zero bypasses: every attempt is rejected (400), denied (403), or allowed only as a path the
// policy judged to be under /public.

const policies =
  ap('deny-admin', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {paths: [/admin, "/admin/*"]}}]}]') +
  ap('allow-public', 'istio-system', '  rules: [{to: [{operation: {paths: ["/public*"], methods: [GET]}}]}]');

const ATTEMPTS = [
  // plain and case
  '/admin', '/admin/', '/admin/users', '/ADMIN', '/Admin', '/aDmIn/users', '/PUBLIC/../admin',
  // dot segments
  '/./admin', '/public/../admin', '/public/./../admin', '/public/.././admin', '/public/../../admin', '/public/a/../../admin',
  '/public/.../admin', '/public/..../admin', '/public/.%2e/admin', '/public/%2e./admin',
  // encoded dots (Istio's normalization_test / authz_test cases)
  '/public/%2E%2E/admin', '/public/%2e%2e/admin', '/public/%2E/%2E%2E/admin', '/public/%2e/%2e%2e/admin', '/public/%2E%2E/%2E/admin', '/public/%2e%2e/%2e/admin',
  '/public/..', '/public/%2e%2e', '/%2e%2e/admin', '/%2e/admin',
  // encoded unreserved letters
  '/%61dmin', '/adm%69n', '/%41DMIN', '/%70ublic/../admin',
  // doubled and escaped slashes, backslashes
  '//admin', '///admin', '/public//../admin', '/public/..//admin', '//public/../admin', '/public/%2fadmin', '/public/..%2fadmin', '/public%2f..%2fadmin',
  '/%2fadmin', '/admin%2f', '/public/%2F..%2Fadmin', '/public/..%5cadmin', '/public\\..\\admin', '/public/%5c..%5cadmin', '/public/\\/admin',
  // `;` path parameters
  '/admin;a=b', '/admin;/x', '/..;/admin', '/public/..;/admin', '/public;/../admin', '/public/..;a=b/admin',
  '/public/%2e%2e;/admin', '/public/.%2e;/admin', '/public\\..;\\admin', '/public/%2E.;x/admin',
  // double encoding, overlong UTF-8, other dot spellings
  '/public/%252e%252e/admin', '/public/%252e%252e%252fadmin', '/public/%c0%ae%c0%ae/admin', '/public/%c0%ae%c0%ae%c0%afadmin', '/public/%e0%80%ae%e0%80%ae/admin',
  '/public/0x2e0x2e/admin', '/public/%u002e%u002e/admin', '/public/%2e%2e%00/admin',
  // NUL, control characters, malformed escapes
  '/admin%00', '/public%00/../admin', '/admin%0a', '/admin%', '/admin%zz', '/public/%2', '/admin%20',
  // query and fragment tricks
  '/admin?x=/public', '/public?/../admin', '/public%3f/../admin', '/public%23/../admin', '/public#/../admin',
  // the ALLOW side (Istio TestAuthz_PathNormalization)
  '/public', '/public/', '/public/x', '/public/../public', '/private', '/public/../private', '/public/./../private', '/public/.././private',
  '/public/%2E%2E/private', '/public/%2e%2e/private', '/public/%2E/%2E%2E/private', '/public/%2e/%2e%2e/private', '/public/%2E%2E/%2E/private', '/public/%2e%2e/%2e/private',
  '/publicity', '/public%2fx', '/Public', '/%2Fpublic',
];
const HOSTS = ['app.example.com', 'app.example.com:443', 'APP.EXAMPLE.COM:80', 'app.example.com.', '[::1]:8080'];
const METHODS = ['GET', 'POST', 'HEAD', 'get'];

type Outcome = { kind: 'rejected' } | { kind: 'denied' } | { kind: 'allowed'; upstream: string };

/** The path as the pipeline derives it: the request URL's pathname (`parsed`), or the raw target. */
function pathOf(attempt: string, parsed: boolean): string | undefined {
  if (!parsed) return attempt;
  try {
    return new URL(`http://app.example.com${attempt}`).pathname;
  } catch {
    return undefined;
  }
}

async function judge(chain: ReturnType<typeof chainFor>, raw: string, method: string, authority: string): Promise<Outcome> {
  const norm = normalizePath(raw, MESHGATE_PATH_MODE, method);
  if (!norm.ok) return { kind: 'rejected' };
  expect(norm.redirect).toBeUndefined();
  const q = norm.path.indexOf('?');
  const path = q < 0 ? norm.path : norm.path.slice(0, q);
  const decision = await decide(chain, { path, method, authority });
  if (decision === DENIED) return { kind: 'denied' };
  expect(decision).toBe('allow');
  return { kind: 'allowed', upstream: path };
}

describe('authorization-bypass corpus', () => {
  const chain = chainFor(policies);

  for (const parsed of [true, false]) {
    test(`zero bypasses (${parsed ? 'URL as the runtime parses it' : 'raw request target'})`, async () => {
      const bypasses: string[] = [];
      let allowed = 0;
      for (const attempt of ATTEMPTS) {
        const raw = pathOf(attempt, parsed);
        if (raw === undefined) continue;
        for (const method of METHODS) {
          for (const host of HOSTS) {
            const o = await judge(chain, raw, method, host);
            if (o.kind !== 'allowed') continue;
            allowed++;
            const judgedPublic = o.upstream.startsWith('/public') && method === 'GET';
            const reachesAdmin = o.upstream === '/admin' || o.upstream.startsWith('/admin/');
            if (!judgedPublic || reachesAdmin) bypasses.push(`${method} ${host} ${attempt} → ${o.upstream}`);
          }
        }
      }
      expect(bypasses).toEqual([]);
      expect(allowed).toBeGreaterThan(0);
    });
  }

  test('Istio\'s expected outcomes (authz_test.go TestAuthz_PathNormalization) and the obvious ones', async () => {
    const outcome = async (p: string, method = 'GET') => (await judge(chain, pathOf(p, true)!, method, 'app.example.com')).kind;
    for (const p of ['/public', '/public/../public', '/public/x', '/public;x']) expect(await outcome(p), p).toBe('allowed');
    for (const p of ['/private', '/public/../private', '/public/./../private', '/public/.././private', '/public/%2E%2E/private', '/public/%2e%2e/private',
      '/public/%2E/%2E%2E/private', '/public/%2e/%2e%2e/private', '/public/%2E%2E/%2E/private', '/public/%2e%2e/%2e/private']) expect(await outcome(p), p).toBe('denied');
    for (const p of ['/admin', '//admin', '/public/../admin', '/%61dmin', '/public/%2e%2e/admin']) expect(await outcome(p), p).toBe('denied');
    // `..;` collapses like `..` (Envoy, 2026): a Tomcat or Spring backend would read /admin.
    for (const p of ['/public/..;/admin', '/public/..;a=b/admin', '/..;/admin', '/public/%2e%2e;/admin', '/public/.%2e;/admin', '/public\\..;\\admin']) expect(await outcome(p), p).toBe('denied');
    for (const p of ['/public/..%2fadmin', '/%2fadmin', '/public/%5c..%5cadmin', '/admin%00', '/admin%zz']) expect(await outcome(p), p).toBe('rejected');
    expect(await outcome('/public', 'POST')).toBe('denied');
  });

  test('with no ALLOW, the DENY on /admin alone: every spelling that reaches /admin is denied or rejected', async () => {
    const denyOnly = chainFor(ap('deny-admin', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {paths: [/admin, "/admin/*"]}}]}]'));
    const bypasses: string[] = [];
    for (const attempt of ATTEMPTS) {
      for (const parsed of [true, false]) {
        const raw = pathOf(attempt, parsed);
        if (raw === undefined) continue;
        const o = await judge(denyOnly, raw, 'GET', 'app.example.com:443');
        if (o.kind === 'allowed' && (o.upstream === '/admin' || o.upstream.startsWith('/admin/'))) bypasses.push(`${attempt} → ${o.upstream}`);
      }
    }
    expect(bypasses).toEqual([]);
  });

  test('Host with a port: a hosts DENY must list the port forms, as Istio advises (istio/istio#44080)', async () => {
    const hostDeny = chainFor(ap('deny-host', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {hosts: [admin.example.com, "admin.example.com:*"]}}]}]'));
    for (const authority of ['admin.example.com', 'ADMIN.example.com', 'admin.example.com:443', 'Admin.Example.Com:8080']) {
      expect(await decide(hostDeny, { authority }), authority).toBe(DENIED);
    }
    expect(await decide(hostDeny, { authority: 'app.example.com' })).toBe('allow');
  });
});
