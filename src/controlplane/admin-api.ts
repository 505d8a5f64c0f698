import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Issue } from '../config/issues.ts';
import { loadIdentities, loadManifest } from '../config/manifest.ts';
import { KINDS } from '../config/kinds/registry.ts';
import type { KindDef } from '../config/kinds/types.ts';
import type { Resource } from '../config/meta.ts';
import { toWire } from '../config/wire.ts';
import { parseDuration } from '../config/syntax/duration.ts';
import { adminAuth } from './auth.ts';
import type { MeshControlPlane, Outcome } from './durable-object.ts';

// The admin API (DESIGN.md "The contract"): apply/delete of manifests, Kubernetes-style resource
// paths, and the debug endpoints. Parsing and validation run here, in the stateless worker; the
// Durable Object only stores validated resources.

export interface ControlPlaneEnv {
  MESH: DurableObjectNamespace<MeshControlPlane>;
  MESHGATE_ADMIN_TOKEN?: string;
  /** Which mesh (Durable Object name) this worker serves; default `mesh`. */
  MESHGATE_MESH_NAME?: string;
}

type Env = { Bindings: ControlPlaneEnv };

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export const meshStub = (env: ControlPlaneEnv) => env.MESH.get(env.MESH.idFromName(env.MESHGATE_MESH_NAME ?? 'mesh'));

/** An error item with every key the contract names (`document`, `kind`, `name`, `path`, `message`); null where unknown. */
const errorItem = (i: Partial<Issue> & { message: string }) => ({
  document: i.document ?? null, kind: i.kind ?? null, namespace: i.namespace ?? null, name: i.name ?? null, path: i.path ?? null,
  ...(i.line !== undefined ? { line: i.line, column: i.column } : {}), message: i.message,
});
const errorBody = (issues: readonly Issue[]) => ({ errors: issues.filter((i) => i.severity === 'error').map(errorItem) });
const fail = (c: Context, status: 400 | 404 | 409 | 413 | 415, message: string, item: Partial<Issue> = {}) => c.json({ errors: [errorItem({ ...item, message })] }, status);
/** A store refusal as an error item naming the document, resource and field it is about. */
const refused = (c: Context, out: Extract<Outcome<unknown>, { ok: false }>, documents: readonly { document: number }[]) => {
  const a = out.at;
  return fail(c, out.status, out.message, a ? { kind: a.kind, namespace: a.namespace, name: a.name, ...(documents[a.index] ? { document: documents[a.index]!.document } : {}), ...(a.path ? { path: a.path } : {}) } : {});
};
/** `dryRun=true`, or Kubernetes' `dryRun=All`. */
const isDryRun = (c: Context) => c.req.query('dryRun') === 'true' || c.req.query('dryRun') === 'All';
/** Any other `dryRun` value is refused, never taken as a real write (Kubernetes answers 400 too). */
const badDryRun = (c: Context) => {
  const v = c.req.query('dryRun');
  return v !== undefined && !isDryRun(c) ? fail(c, 400, `dryRun=${v} is not supported; use dryRun=All (or true) to validate without storing, or leave it out`) : undefined;
};
const NOTHING = 'the manifest holds no Istio resources';

export function createAdminApp() {
  const app = new Hono<Env>();

  app.get('/healthz', (c) => c.text('ok'));

  app.use('*', adminAuth((env) => (env as ControlPlaneEnv).MESHGATE_ADMIN_TOKEN));
  app.use('*', async (c, next) => (c.req.method === 'GET' ? next() : (badDryRun(c) ?? next())));
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => fail(c, 413, `request body is larger than ${MAX_BODY_BYTES} bytes; split the manifest and apply it in parts`) }));

  app.post('/v1/apply', async (c) => {
    const dryRun = isDryRun(c);
    const { resources, issues } = loadManifest(await c.req.text(), { source: 'request', namespace: c.req.query('namespace') });
    const warnings = issues.filter((i) => i.severity !== 'error');
    if (issues.some((i) => i.severity === 'error')) return c.json(errorBody(issues), 400);
    if (resources.length === 0) return c.json({ errors: [errorItem({ message: NOTHING })], ...(warnings.length ? { warnings } : {}) }, 400);
    const out = await meshStub(c.env).apply(resources.map((r) => r.resource), { dryRun });
    if (!out.ok) return refused(c, out, resources);
    return c.json({
      version: String(out.value.version),
      dryRun,
      results: out.value.results.map((r, i) => ({ apiVersion: resources[i]!.requestedApiVersion, kind: r.kind, namespace: r.namespace, name: r.name, resourceVersion: r.resourceVersion, action: r.action })),
      ...(warnings.length ? { warnings } : {}),
    });
  });

  app.post('/v1/delete', async (c) => {
    const dryRun = isDryRun(c);
    const { identities, issues } = loadIdentities(await c.req.text(), { source: 'request', namespace: c.req.query('namespace') });
    const warnings = issues.filter((i) => i.severity !== 'error');
    if (issues.some((i) => i.severity === 'error')) return c.json(errorBody(issues), 400);
    if (identities.length === 0) return c.json({ errors: [errorItem({ message: NOTHING })], ...(warnings.length ? { warnings } : {}) }, 400);
    const out = await meshStub(c.env).remove(identities.map((i) => ({ group: i.def.group, kind: i.def.kind, namespace: i.namespace, name: i.name })), { dryRun });
    if (!out.ok) return fail(c, out.status, out.message);
    // Shaped like apply's results (apiVersion as the document wrote it); `group` kept for older clients.
    const results = out.value.results.map((r, i) => ({ apiVersion: identities[i]!.apiVersion, ...r }));
    return c.json({ version: String(out.value.version), dryRun, results, ...(warnings.length ? { warnings } : {}) });
  });

  // Kubernetes-style resource paths. Core group (`/api/v1`) serves only the mesh ConfigMap.
  const resolve = (c: Context<Env>): { def: KindDef; version: string } | Response => {
    const { group = '', version = 'v1', plural } = c.req.param() as Record<string, string>;
    const def = KINDS.find((k) => k.group === group && k.plural === plural);
    if (!def || !def.versions.includes(version)) return fail(c, 404, `the server could not find the requested resource: ${group ? `${group}/` : ''}${version} ${plural}`);
    return { def, version };
  };

  const listHandler = async (c: Context<Env>) => {
    const r = resolve(c);
    if (r instanceof Response) return r;
    const stub = meshStub(c.env);
    const [items, version] = await Promise.all([stub.list({ group: r.def.group, kind: r.def.kind, namespace: c.req.param('ns') }) as Promise<Resource[]>, stub.version()]);
    return c.json({ apiVersion: r.def.group ? `${r.def.group}/${r.version}` : r.version, kind: `${r.def.kind}List`, metadata: { resourceVersion: String(version) }, items: items.map((i) => toWire(i, r.def, r.version)) });
  };

  const getHandler = async (c: Context<Env>) => {
    const r = resolve(c);
    if (r instanceof Response) return r;
    const { ns, name } = c.req.param() as Record<string, string>;
    const found: Resource | undefined = await meshStub(c.env).get({ group: r.def.group, kind: r.def.kind, namespace: ns!, name: name! });
    return found ? c.json(toWire(found, r.def, r.version)) : fail(c, 404, `${r.def.plural} "${name}" not found in namespace ${ns}`);
  };

  const putHandler = async (c: Context<Env>) => {
    const r = resolve(c);
    if (r instanceof Response) return r;
    const { ns, name } = c.req.param() as Record<string, string>;
    const { resources, issues } = loadManifest(await c.req.text(), { source: 'request', namespace: ns });
    if (issues.some((i) => i.severity === 'error')) return c.json(errorBody(issues), 400);
    const one = resources[0];
    if (resources.length !== 1 || !one) return fail(c, 400, 'PUT takes exactly one resource');
    const m = one.resource.metadata;
    if (one.def !== r.def || m.name !== name || m.namespace !== ns) {
      return fail(c, 400, `the body is ${one.def.kind} ${m.namespace}/${m.name} but the path names ${r.def.kind} ${ns}/${name}`);
    }
    const stub = meshStub(c.env);
    const dryRun = isDryRun(c);
    // An empty resourceVersion is no precondition, as in Kubernetes.
    const out: Outcome<{ results: { action: string; resourceVersion: string }[] }> = await stub.apply([one.resource], { checkResourceVersion: !!m.resourceVersion, dryRun });
    if (!out.ok) return refused(c, out, resources);
    const result = out.value.results[0]!;
    const stored = (await stub.get({ group: r.def.group, kind: r.def.kind, namespace: ns!, name: name! })) as Resource | undefined;
    // A dry run answers with the object as it would be stored, and stores nothing.
    // Labels and annotations are the body's alone, as a real PUT stores them; the rest is kept.
    const wouldBe = (prior: Resource['metadata'] | undefined): Resource => {
      const { labels: _l, annotations: _a, ...kept } = prior ?? { name: m.name, namespace: m.namespace };
      return { ...one.resource, metadata: { ...kept, ...m, resourceVersion: result.resourceVersion } };
    };
    return c.json(toWire(dryRun ? wouldBe(stored?.metadata) : stored!, r.def, r.version), result.action === 'created' ? 201 : 200);
  };

  const deleteHandler = async (c: Context<Env>) => {
    const r = resolve(c);
    if (r instanceof Response) return r;
    const { ns, name } = c.req.param() as Record<string, string>;
    const out = await meshStub(c.env).remove([{ group: r.def.group, kind: r.def.kind, namespace: ns!, name: name! }], { requireExisting: true, dryRun: isDryRun(c) });
    if (!out.ok) return fail(c, out.status, `${r.def.plural} "${name}" not found in namespace ${ns}`);
    return c.json({ kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: r.def.plural, group: r.def.group } });
  };

  for (const prefix of ['/apis/:group/:version', '/api/:version']) {
    app.get(`${prefix}/namespaces/:ns/:plural`, listHandler);
    app.get(`${prefix}/:plural`, listHandler);
    app.get(`${prefix}/namespaces/:ns/:plural/:name`, getHandler);
    app.put(`${prefix}/namespaces/:ns/:plural/:name`, putHandler);
    app.delete(`${prefix}/namespaces/:ns/:plural/:name`, deleteHandler);
  }

  // The mesh CA: public trust bundle; SVIDs for workloads outside the edge; root rotation.
  app.get('/v1/ca/bundle', async (c) => {
    const b = (await meshStub(c.env).caBundle()) as { trustDomain: string; pem: string; jwks: unknown } | undefined;
    if (!b) return c.json({ errors: [{ message: 'the mesh CA is not initialized yet; try again' }] }, 503);
    return c.req.query('format') === 'pem' ? c.text(b.pem, 200, { 'content-type': 'application/x-pem-file' }) : c.json(b);
  });
  app.post('/v1/ca/issue', async (c) => {
    let body: { namespace?: unknown; serviceAccount?: unknown; ttl?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, 'the body must be JSON: {"namespace": "NS", "serviceAccount": "SA", "ttl": "24h"}');
    }
    const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
    if (typeof body.namespace !== 'string' || !label.test(body.namespace)) return fail(c, 400, 'namespace must be a DNS-1123 label');
    if (typeof body.serviceAccount !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(body.serviceAccount)) return fail(c, 400, 'serviceAccount must be a DNS-1123 subdomain');
    const ttlMs = body.ttl === undefined ? undefined : typeof body.ttl === 'string' ? parseDuration(body.ttl) : undefined;
    if (body.ttl !== undefined && !(ttlMs && ttlMs >= 60_000)) return fail(c, 400, 'ttl must be a duration of at least 1m, e.g. "24h"');
    const svid = await meshStub(c.env).caIssue(body.namespace, body.serviceAccount, ttlMs);
    // The private key is in this response only: never cached, never logged.
    return c.json({ spiffeId: svid.spiffeId, certPem: svid.certPem, keyPem: svid.keyPem, chainPem: svid.chainPem, rootPem: svid.rootPem, notAfter: svid.notAfter }, 200, { 'cache-control': 'no-store' });
  });
  // A Worker's bootstrap secret (docs/identity.md): returned once, only its hash is stored.
  app.post('/v1/identity/bootstrap', async (c) => {
    let body: { namespace?: unknown; serviceAccount?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, 'the body must be JSON: {"namespace": "NS", "serviceAccount": "SA"}');
    }
    if (typeof body.namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(body.namespace)) return fail(c, 400, 'namespace must be a DNS-1123 label');
    if (typeof body.serviceAccount !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(body.serviceAccount)) return fail(c, 400, 'serviceAccount must be a DNS-1123 subdomain');
    const out = await meshStub(c.env).identityBootstrap(body.namespace, body.serviceAccount);
    if (!out.ok) return fail(c, out.status, out.message);
    return c.json(out.value, 200, { 'cache-control': 'no-store' });
  });
  app.post('/v1/ca/rotate', async (c) => {
    const overlap = c.req.query('overlap');
    const overlapMs = overlap ? parseDuration(overlap) : undefined;
    if (overlap && overlapMs === undefined) return fail(c, 400, 'overlap must be a duration, e.g. 168h');
    return c.json((await meshStub(c.env).caRotate(overlapMs)) as { trustDomain: string; pem: string; jwks: unknown } | undefined);
  });

  // Debug endpoints (istiod's /debug/syncz and /debug/config_dump).
  app.get('/debug/syncz', async (c) => c.json(await meshStub(c.env).syncz()));
  app.get('/debug/config_dump', async (c) => {
    const proxy = c.req.query('proxy');
    if (!proxy) return fail(c, 400, 'name the proxy: /debug/config_dump?proxy=ID (see /debug/syncz for ids)');
    const dump = await meshStub(c.env).configDump(proxy);
    return dump ? c.json(dump) : fail(c, 404, `proxy "${proxy}" has not connected; /debug/syncz lists the connected proxies`);
  });

  // xDS over HTTP (one poll) and the ADS WebSocket, for clients outside the mesh's workers
  // (e.g. `meshgate proxy-config --watch`). Gateways use the XdsService RPC entrypoint instead.
  app.post('/xds', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, 'the body must be a JSON DiscoveryRequest');
    }
    const res = await meshStub(c.env).discover(body);
    return c.json(res, res.kind === 'error' ? 400 : 200);
  });
  app.get('/xds/ws', (c) => meshStub(c.env).fetch(c.req.raw));

  app.notFound((c) => fail(c, 404, `no such admin API route: ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    console.error('admin API error', err);
    return c.json({ errors: [errorItem({ message: `internal error: ${err.message}` })] }, 500);
  });
  return app;
}
