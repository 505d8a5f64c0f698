import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadManifest, type LoadResult } from '../../../src/config/manifest.ts';

// Property: whatever text it is given, loadManifest never throws and always returns
// `{resources, issues}` arrays with well-formed issues. A hang (catastrophic backtracking, alias
// bombs) fails the test through vitest's test timeout; no wall-clock limit is asserted here.

function check(text: string, source?: string): LoadResult {
  let result: LoadResult;
  try {
    result = loadManifest(text, source === undefined ? {} : { source });
  } catch (e) {
    throw new Error(`loadManifest threw ${(e as Error)?.stack ?? String(e)}\n--- input ---\n${text.slice(0, 2000)}`);
  }
  expect(result).toBeTypeOf('object');
  expect(Array.isArray(result.resources)).toBe(true);
  expect(Array.isArray(result.issues)).toBe(true);
  for (const i of result.issues) {
    expect(['error', 'warning', 'info']).toContain(i.severity);
    expect(typeof i.message).toBe('string');
    expect(i.message.length).toBeGreaterThan(0);
    expect(typeof i.path).toBe('string');
    if (source !== undefined) expect(i.source).toBe(source);
  }
  for (const r of result.resources) {
    expect(typeof r.resource.kind).toBe('string');
    expect(typeof r.resource.metadata.name).toBe('string');
    expect(typeof r.resource.metadata.namespace).toBe('string');
  }
  return result;
}

/** Serialisers that may refuse odd values (undefined, BigInt, cycles): skip those inputs. */
const safe = (f: () => string | undefined): string => {
  try {
    return f() ?? '';
  } catch {
    return '';
  }
};
const toJson = (v: unknown) => safe(() => JSON.stringify(v));
const toYaml = (v: unknown) => safe(() => stringify(v));

// ---------------------------------------------------------------------------------------------
// Valid-shaped Istio manifests (they may not validate while the kind schemas are being written;
// the property only needs "no throw").

const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: bookinfo
spec:
  hosts:
  - reviews.bookinfo.svc.cluster.local
  gateways:
  - bookinfo-gateway
  - mesh
  http:
  - name: jason
    match:
    - headers:
        end-user:
          exact: jason
      uri:
        prefix: /reviews
    route:
    - destination:
        host: reviews
        subset: v2
    timeout: 5s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: gateway-error,connect-failure
  - route:
    - destination:
        host: reviews
        subset: v1
        port:
          number: 9080
      weight: 75
    - destination:
        host: reviews
        subset: v3
      weight: 25
    fault:
      delay:
        percentage:
          value: 10
        fixedDelay: 1s
`;

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
  namespace: bookinfo
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "*"
  - port:
      number: 443
      name: https
      protocol: HTTPS
    tls:
      mode: SIMPLE
      credentialName: bookinfo-cert
    hosts:
    - "bookinfo/*.example.com"
`;

const DESTINATION_RULE = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: bookinfo
spec:
  host: reviews.bookinfo.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      simple: LEAST_REQUEST
    connectionPool:
      http:
        http1MaxPendingRequests: 100
        maxRequestsPerConnection: 10
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 30s
      baseEjectionTime: 30s
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpHeaderName: x-user
`;

const BASES: readonly unknown[] = [VIRTUAL_SERVICE, GATEWAY, DESTINATION_RULE].map((t) => parse(t));

// ---------------------------------------------------------------------------------------------
// Arbitraries.

const yamlToken = fc.constantFrom(
  '---', '...', '- ', ': ', '? ', '{', '}', '[', ']', ',', '#', '&a ', '*a', '!!str ', '!!binary ', '!!set', '!!map', '!!seq', '!custom ',
  '<<: *a', '|', '>-', '"', "'", '\\', '\t', '\n', '\n  ', '\n    ', '\r\n', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', 'apiVersion: ', 'kind: ',
  'metadata:', 'name: ', 'namespace: ', 'spec:', 'networking.istio.io/v1', 'VirtualService', 'List', 'items:', 'hosts:', 'http:', 'route:',
  'destination:', 'host: ', '0x1F', '1e400', '-.inf', '.nan', 'null', '~', 'true', 'yes', '2001-12-14t21:59:43.10-05:00', '\u0000', '\uFEFF', '😀',
);
const yamlish = fc.array(fc.oneof({ weight: 3, arbitrary: yamlToken }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), { maxLength: 60 }).map((parts) => parts.join(''));

type Path = (string | number)[];

/** Every path (object keys and array indexes) in a JSON-like value, root included. */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

type Container = Record<string | number, unknown>;

function parentOf(root: unknown, path: Path): Container | undefined {
  let node = root;
  for (const seg of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Container)[seg];
  }
  return node && typeof node === 'object' ? (node as Container) : undefined;
}

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'insert'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('hosts', 'spec', 'kind', 'weight', 'naem', '__proto__', 'constructor', 'toString', '<<')), value: fc.jsonValue({ maxDepth: 3 }) }),
);

function mutate(base: unknown, muts: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(base);
  for (const m of muts) {
    const all = paths(root);
    const path = all[m.at % all.length]!;
    const last = path.at(-1);
    const parent = parentOf(root, path);
    if (m.op === 'delete') {
      if (path.length === 0) root = null;
      else if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else if (parent && last !== undefined) delete parent[last];
    } else if (m.op === 'replace') {
      if (path.length === 0) root = m.value;
      else if (parent && last !== undefined) parent[last] = m.value;
    } else {
      // Insert into the node at `path` when it is a container, else next to it.
      let node: unknown = root;
      for (const seg of path) node = (node as Container)[seg];
      const target = node && typeof node === 'object' ? (node as Container) : parent;
      if (Array.isArray(target)) target.push(m.value);
      else if (target) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

const mutatedDocs = fc.record({
  docs: fc.array(fc.record({ base: fc.constantFrom(...BASES.keys()), muts: fc.array(mutation, { maxLength: 6 }) }), { minLength: 1, maxLength: 3 }),
  duplicate: fc.boolean(),
  format: fc.constantFrom('yaml-stream', 'json-array', 'json-list', 'yaml-list'),
});

function serialise({ docs, duplicate, format }: { docs: { base: number; muts: Mutation[] }[]; duplicate: boolean; format: string }): string {
  let objs = docs.map((d) => mutate(BASES[d.base], d.muts));
  if (duplicate) objs = [...objs, objs[0]];
  switch (format) {
    case 'json-array':
      return toJson(objs);
    case 'json-list':
      return toJson({ apiVersion: 'v1', kind: 'List', items: objs });
    case 'yaml-list':
      return toYaml({ apiVersion: 'v1', kind: 'List', items: objs });
    default:
      return objs.map(toYaml).join('---\n');
  }
}

// ---------------------------------------------------------------------------------------------

describe('loadManifest never throws (property)', () => {
  test('the inline manifests load (sanity: the mutation bases are real manifests)', () => {
    for (const text of [VIRTUAL_SERVICE, GATEWAY, DESTINATION_RULE]) check(text, 'base.yaml');
    expect(BASES.every((b) => b && typeof b === 'object')).toBe(true);
  });

  test('(a) arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void check(s)), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => void check(s, 'bin.yaml')), { numRuns: 200 });
  });

  test('(a) random YAML-ish text', () => {
    fc.assert(fc.property(yamlish, (s) => void check(s, 'y.yaml')), { numRuns: 500 });
  });

  test('(b) random JSON values, as JSON and as YAML', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      check(toJson(v));
      check(toYaml(v));
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.anything({ maxDepth: 4 }), (v) => {
      check(toJson(v));
      check(toYaml(v));
    }), { numRuns: 200 });
  });

  test('(b) random objects shaped like resources', () => {
    const resourceish = fc.record({
      apiVersion: fc.oneof(fc.constantFrom('networking.istio.io/v1', 'networking.istio.io/v1alpha3', 'security.istio.io/v1', 'telemetry.istio.io/v1', 'v1', 'x/y/z', ''), fc.jsonValue({ maxDepth: 1 })),
      kind: fc.oneof(fc.constantFrom('VirtualService', 'Gateway', 'DestinationRule', 'ServiceEntry', 'Sidecar', 'AuthorizationPolicy', 'ConfigMap', 'List'), fc.jsonValue({ maxDepth: 1 })),
      metadata: fc.oneof(fc.record({ name: fc.oneof(fc.constantFrom('a', 'reviews'), fc.string()), namespace: fc.oneof(fc.constant('default'), fc.string()) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 })),
      spec: fc.jsonValue({ maxDepth: 4 }),
      items: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.array(resourceish, { maxLength: 3 }), fc.boolean(), (objs, asJson) => {
      check(asJson ? toJson(objs) : objs.map(toYaml).join('---\n'), 'r.yaml');
    }), { numRuns: 300 });
  });

  test('(c) mutations of valid VirtualService, Gateway and DestinationRule manifests', () => {
    fc.assert(fc.property(mutatedDocs, (input) => void check(serialise(input), 'mutated.yaml')), { numRuns: 400 });
  });

  test('(c) text-level damage: truncation and inserted characters in a valid manifest', () => {
    const texts = [VIRTUAL_SERVICE, GATEWAY, DESTINATION_RULE, `${VIRTUAL_SERVICE}---\n${GATEWAY}---\n${DESTINATION_RULE}`];
    fc.assert(fc.property(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.oneof(yamlToken, fc.string({ maxLength: 4 })), fc.boolean(), (text, cut, at, insert, truncate) => {
      const damaged = truncate ? text.slice(0, cut % (text.length + 1)) : text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1));
      check(damaged, 'damaged.yaml');
    }), { numRuns: 400 });
  });

  test('hostile YAML: alias bombs, deep nesting, odd tags, huge scalars', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    const inputs = [
      bomb,
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `${'{a: '.repeat(2000)}1${'}'.repeat(2000)}`,
      Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}- `).join('\n'),
      'a: &x\n  b: *x\n',
      'kind: !!binary aGVsbG8=\napiVersion: !!set {a, b}\n',
      '!!js/function "function(){}"',
      `apiVersion: v1\nkind: ${'A'.repeat(100_000)}\n`,
      `${'---\n'.repeat(5000)}`,
      '<<: [*a]\n',
      `metadata: {name: ${'a'.repeat(300)}}\n`,
      '\uFEFFapiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {}\n',
    ];
    for (const text of inputs) check(text, 'hostile.yaml');
    // The alias bomb is refused as YAML, not expanded.
    const refused = check(bomb, 'bomb.yaml');
    expect(refused.resources).toEqual([]);
    expect(refused.issues).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('Excessive alias count') })]);
  });
});
