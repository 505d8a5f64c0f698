import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { pruneNulls } from './syntax/prune-nulls.ts';
import type { z } from 'zod';
import { formatPath, type Issue, type PathSegment, type Severity } from './issues.ts';
import { DEFAULT_NAMESPACE, objectMeta, type ObjectMeta, type Resource } from './meta.ts';
import { isDNS1123Label } from './syntax/host.ts';
import { canonicalApiVersion, KINDS, kindFor, splitApiVersion } from './kinds/registry.ts';
import { MESH_CONFIGMAP_NAME, MESH_CONFIGMAP_NAMESPACE } from './kinds/mesh/mesh-config.ts';
import type { KindDef } from './kinds/types.ts';
import { fieldsAt } from './schema-nav.ts';
import { nearest } from './syntax/suggest.ts';

// Manifest loading: YAML streams (one or many documents), JSON objects, JSON arrays and
// `kind: List`, each object validated against its kind. Every issue names the document, the
// resource, the field path and the line/column in the source text.

export interface LoadedResource {
  resource: Resource;
  def: KindDef;
  /** 0-based position of the object in the manifest's stream of objects. */
  document: number;
  /** The apiVersion the user wrote (the stored resource carries the canonical one). */
  requestedApiVersion: string;
  /** The file (or `-`, `request`) it came from, when loaded from text. */
  source?: string;
  /** Line and column of a field path inside it, when loaded from text (analyzers' findings point there). */
  pos?: PositionOf;
}

/** Where a field path (or, with `key`, its key) stands in the source text. */
export type PositionOf = (path: readonly PathSegment[], key?: boolean) => { line: number; column: number } | undefined;

export interface LoadResult {
  resources: LoadedResource[];
  issues: Issue[];
}

export interface LoadOptions {
  /** File name (or `-`) for messages. */
  source?: string;
  /** Refuse larger inputs outright. */
  maxBytes?: number;
  /** Namespace for documents that name none (default `default`), like `kubectl apply -n`. */
  namespace?: string;
}

export const DEFAULT_MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
const MAX_ALIASES = 100;

interface Located {
  value: unknown;
  /** Position lookup for a path inside this object. */
  pos: PositionOf;
}

/** A default namespace (`?namespace=`, a PUT path, `-n`) must be a valid one, as an explicit one must. */
function badDefaultNamespace(opts: LoadOptions): Issue[] {
  if (opts.namespace === undefined || isDNS1123Label(opts.namespace)) return [];
  return [{ severity: 'error', source: opts.source, path: 'metadata.namespace', message: `invalid namespace ${JSON.stringify(opts.namespace)} given for the documents: must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)` }];
}

export function loadManifest(text: string, opts: LoadOptions = {}): LoadResult {
  const bad = badDefaultNamespace(opts);
  if (bad.length) return { resources: [], issues: bad };
  const { objects, issues } = parseObjects(text, opts);
  const source = opts.source;
  const resources: LoadedResource[] = [];
  const seen = new Map<string, number>();
  for (const [document, obj] of objects.entries()) {
    const foreign = foreignDocument(obj.value, opts.namespace);
    if (foreign) {
      issues.push({ severity: 'warning', source, document, path: 'kind', ...obj.pos(['kind']), message: foreign });
      continue;
    }
    const loaded = validateObject(obj.value, { document, source, pos: obj.pos, issues, namespace: opts.namespace });
    if (!loaded) continue;
    const { resource, def } = loaded;
    const key = resourceKey(def, resource.metadata.namespace, resource.metadata.name);
    const prior = seen.get(key);
    if (prior !== undefined) {
      issues.push({ severity: 'error', source, document, kind: resource.kind, namespace: resource.metadata.namespace, name: resource.metadata.name, path: 'metadata.name', ...obj.pos(['metadata', 'name']), message: `duplicate resource: ${resource.kind} ${resource.metadata.namespace}/${resource.metadata.name} is also defined in document ${prior}` });
      continue;
    }
    seen.set(key, document);
    resources.push(loaded);
  }
  return { resources, issues };
}

export interface ResourceIdentity {
  def: KindDef;
  /** As the document wrote it. */
  apiVersion: string;
  namespace: string;
  name: string;
  document: number;
}

/**
 * Only the identities (kind, namespace, name) of a manifest's objects, for `delete -f`: a
 * document whose spec no longer validates can still be deleted.
 */
export function loadIdentities(text: string, opts: LoadOptions = {}): { identities: ResourceIdentity[]; issues: Issue[] } {
  const bad = badDefaultNamespace(opts);
  if (bad.length) return { identities: [], issues: bad };
  const { objects, issues } = parseObjects(text, opts);
  const identities: ResourceIdentity[] = [];
  for (const [document, obj] of objects.entries()) {
    const push = (path: PathSegment[], message: string) => issues.push({ severity: 'error', source: opts.source, document, path: formatPath(path), ...obj.pos(path), message });
    const v = obj.value;
    const foreign = foreignDocument(v, opts.namespace);
    if (foreign) {
      issues.push({ severity: 'warning', source: opts.source, document, path: 'kind', ...obj.pos(['kind']), message: foreign });
      continue;
    }
    if (!isObject(v) || typeof v.kind !== 'string' || typeof v.apiVersion !== 'string') {
      push([], 'each document needs apiVersion and kind');
      continue;
    }
    const { group, version } = splitApiVersion(v.apiVersion);
    const def = kindFor(group, v.kind);
    const meta = isObject(v.metadata) ? v.metadata : {};
    if (!def) push(['kind'], `unknown kind "${v.kind}" in ${v.apiVersion}`);
    else if (!def.versions.includes(version)) push(['apiVersion'], `unknown API version ${v.apiVersion} for ${v.kind}; served versions: ${def.versions.map((x) => (def.group ? `${def.group}/${x}` : x)).join(', ')}`);
    else if (namespaceMismatch(meta.namespace, opts.namespace)) push(['metadata', 'namespace'], namespaceMismatch(meta.namespace, opts.namespace)!);
    else if (typeof meta.name !== 'string' || !meta.name) push(['metadata', 'name'], 'metadata.name is required');
    else if (meta.namespace !== undefined && meta.namespace !== null && typeof meta.namespace !== 'string') push(['metadata', 'namespace'], 'metadata.namespace must be a string');
    // An empty namespace is unset, as in Kubernetes (and as apply reads it).
    else identities.push({ def, apiVersion: v.apiVersion, name: meta.name, namespace: typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : (opts.namespace ?? DEFAULT_NAMESPACE), document });
  }
  return { identities, issues };
}

/** A document's namespace that contradicts the one the request names (kubectl refuses it too). */
function namespaceMismatch(own: unknown, requested: string | undefined): string | undefined {
  if (typeof own !== 'string' || own === '' || !requested || own === requested) return undefined;
  return `the namespace of the document (${own}) does not match the namespace of the request (${requested}); drop one of them`;
}

/**
 * Why a document is not Istio configuration and is skipped (a warning), or undefined. Manifests
 * often hold a Deployment, Service or app ConfigMap beside the Istio resources; kubectl applies
 * each to its own API, so meshgate applies its own and leaves the rest. Anything in an Istio or
 * Gateway API group stays meshgate's (an unknown kind there is an error, most often a typo), as
 * does the mesh ConfigMap `istio` in `istio-system` (and any ConfigMap with a `data.mesh`, so a
 * misplaced MeshConfig is an error, not silently skipped).
 */
function foreignDocument(v: unknown, defaultNamespace = DEFAULT_NAMESPACE): string | undefined {
  if (!isObject(v) || typeof v.kind !== 'string' || typeof v.apiVersion !== 'string') return undefined;
  const { group } = splitApiVersion(v.apiVersion);
  if (group.endsWith('istio.io') || group === 'gateway.networking.k8s.io') return undefined;
  if (KINDS.some((k) => k.kind === v.kind && k.group !== group)) return undefined; // an Istio kind in the wrong group: an error
  const meta = isObject(v.metadata) ? v.metadata : {};
  if (v.kind === 'ConfigMap' && group === '') {
    const ns = meta.namespace ?? defaultNamespace;
    if (meta.name === MESH_CONFIGMAP_NAME && ns === MESH_CONFIGMAP_NAMESPACE) return undefined;
    if (isObject(v.data) && 'mesh' in v.data) return undefined; // meant as MeshConfig: a misplaced one is an error
    return `skipped ConfigMap ${String(ns)}/${String(meta.name ?? '')}: the only ConfigMap meshgate reads is ${MESH_CONFIGMAP_NAME} in ${MESH_CONFIGMAP_NAMESPACE} (MeshConfig); the other documents are applied`;
  }
  return `skipped ${v.kind} (${v.apiVersion}): not Istio configuration, so meshgate leaves it to its own API; the other documents are applied`;
}

/** YAML/JSON text → the stream of objects (arrays and `kind: List` expanded), with positions. */
function parseObjects(text: string, opts: LoadOptions): { objects: Located[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const source = opts.source;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  if (text.length > maxBytes) {
    return { objects: [], issues: [{ severity: 'error', source, path: '', message: `manifest is ${text.length} bytes, more than the ${maxBytes} allowed; split it into smaller files` }] };
  }
  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error' }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [];
  } catch (e) {
    return { objects: [], issues: [{ severity: 'error', source, path: '', message: `cannot parse manifest: ${(e as Error).message}` }] };
  }
  const objects: Located[] = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      for (const err of doc.errors) {
        const lp = lineCounter.linePos(err.pos[0]);
        issues.push({ severity: 'error', source, document: objects.length, path: '', line: lp.line, column: lp.col, message: `invalid YAML: ${err.message.split('\n')[0]}` });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      issues.push({ severity: 'error', source, document: objects.length, path: '', message: `invalid YAML: ${(e as Error).message}` });
      continue;
    }
    if (value === null || value === undefined) continue; // empty document between `---`
    const pos = (base: readonly PathSegment[]) => (path: readonly PathSegment[], key?: boolean) => {
      const off = locate(doc.contents, [...base, ...path], key);
      if (off === undefined) return undefined;
      const lp = lineCounter.linePos(off);
      return { line: lp.line, column: lp.col };
    };
    if (Array.isArray(value)) value.forEach((item, i) => objects.push({ value: item, pos: pos([i]) }));
    else if (isObject(value) && value.kind === 'List' && Array.isArray(value.items)) value.items.forEach((item, i) => objects.push({ value: item, pos: pos(['items', i]) }));
    else objects.push({ value, pos: pos([]) });
  }
  return { objects, issues };
}

export function resourceKey(def: Pick<KindDef, 'group' | 'kind'>, namespace: string, name: string): string {
  return `${def.group}/${def.kind}/${namespace}/${name}`;
}

interface ValidateContext {
  document: number;
  source?: string;
  pos?: Located['pos'];
  issues: Issue[];
  namespace?: string;
}

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'status'];

/** Validates one object (already parsed) as an Istio resource; pushes issues, returns it when valid. */
export function validateObject(raw: unknown, ctx: ValidateContext): LoadedResource | undefined {
  const value = pruneNulls(raw);
  // An empty metadata.namespace is unset, as the Kubernetes API server reads it.
  if (isObject(value) && isObject(value.metadata) && value.metadata.namespace === '') delete value.metadata.namespace;
  const ident: Pick<Issue, 'kind' | 'namespace' | 'name'> = {};
  const push = (path: readonly PathSegment[], message: string, severity: Severity = 'error', key = false) => {
    ctx.issues.push({ severity, source: ctx.source, document: ctx.document, ...ident, path: formatPath(path), ...ctx.pos?.(path, key), message });
  };
  if (!isObject(value)) return void push([], `document ${ctx.document} is not an object (got ${describe(value)}); each document must be a Kubernetes-style resource with apiVersion, kind, metadata and spec`);
  const { apiVersion, kind } = value;
  if (typeof kind !== 'string' || !kind) return void push(['kind'], 'missing kind: every document needs a kind (e.g. VirtualService)');
  ident.kind = kind;
  if (isObject(value.metadata)) {
    if (typeof value.metadata.name === 'string') ident.name = value.metadata.name;
    ident.namespace = typeof value.metadata.namespace === 'string' ? value.metadata.namespace : (ctx.namespace ?? DEFAULT_NAMESPACE);
  }
  if (typeof apiVersion !== 'string' || !apiVersion) return void push(['apiVersion'], `missing apiVersion for ${kind}`);
  const { group, version } = splitApiVersion(apiVersion);
  const def = kindFor(group, kind);
  if (!def) {
    const sameKind = KINDS.find((k) => k.kind === kind);
    if (sameKind) return void push(['apiVersion'], `${kind} is served in group ${sameKind.group || 'core'}, not ${group || 'core'}: use apiVersion ${canonicalApiVersion(sameKind)}`);
    const near = nearest(kind, KINDS.map((k) => k.kind));
    return void push(['kind'], `unknown kind "${kind}" in ${apiVersion}${near ? ` (did you mean "${near}"?)` : ''}; meshgate accepts ${[...new Set(KINDS.map((k) => k.kind))].join(', ')}`);
  }
  if (!def.versions.includes(version)) return void push(['apiVersion'], `unknown API version ${apiVersion} for ${kind}; served versions: ${def.versions.map((v) => (def.group ? `${def.group}/${v}` : v)).join(', ')}`);
  let ok = true;
  const allowedTop = [...TOP_LEVEL, def.body, ...(def.body === 'data' ? ['binaryData', 'immutable'] : [])];
  for (const k of Object.keys(value)) {
    if (!allowedTop.includes(k)) {
      const near = nearest(k, allowedTop);
      push([k], `unknown field "${k}"${near ? ` (did you mean "${near}"?)` : ''}`, 'error', true);
      ok = false;
    }
  }
  const meta = objectMeta.safeParse(value.metadata ?? undefined);
  const mismatch = isObject(value.metadata) ? namespaceMismatch(value.metadata.namespace, ctx.namespace) : undefined;
  if (mismatch) {
    push(['metadata', 'namespace'], mismatch);
    ok = false;
  }
  if (value.metadata === undefined) {
    push(['metadata'], 'missing metadata: every resource needs metadata.name');
    ok = false;
  } else if (!meta.success) {
    reportZod(meta.error.issues, ['metadata'], objectMeta, push);
    ok = false;
  }
  const body = value[def.body] ?? {};
  const spec = def.spec.safeParse(body);
  if (!spec.success) {
    reportZod(spec.error.issues, [def.body], def.spec, push);
    ok = false;
  }
  if (!ok || !meta.success || !spec.success) return undefined;
  const metadata: ObjectMeta = { ...meta.data, namespace: meta.data.namespace ?? ctx.namespace ?? DEFAULT_NAMESPACE };
  const resource: Resource = { apiVersion: canonicalApiVersion(def), kind: def.kind, metadata, spec: body };
  let failed = false;
  def.check?.(resource, (path, message, severity = 'error') => {
    if (severity === 'error') failed = true;
    push(path, message, severity);
  });
  if (failed) return undefined;
  const loaded: LoadedResource = { resource, def, document: ctx.document, requestedApiVersion: apiVersion };
  if (ctx.source !== undefined) loaded.source = ctx.source;
  if (ctx.pos) loaded.pos = ctx.pos;
  return loaded;
}

function reportZod(zIssues: readonly z.core.$ZodIssue[], base: PathSegment[], schema: z.ZodType, push: (path: readonly PathSegment[], message: string, severity?: Severity, key?: boolean) => void) {
  for (const zi of zIssues) {
    const path = zi.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (zi.code === 'unrecognized_keys') {
      const known = fieldsAt(schema, path) ?? [];
      for (const key of zi.keys) {
        const near = nearest(key, known);
        push([...base, ...path, key], `unknown field "${key}"${near ? ` (did you mean "${near}"?)` : ''}`, 'error', true);
      }
    } else {
      push([...base, ...path], humanize(zi));
    }
  }
}

function humanize(zi: z.core.$ZodIssue): string {
  if (zi.code === 'invalid_type') {
    if (!zi.message.startsWith('Invalid input')) return zi.message; // the schema's own wording (Istio's)
    const got = zi.message.match(/received (\w+)/)?.[1];
    return got === 'undefined' ? `required field is missing (expected ${zi.expected})` : `expected ${zi.expected}${got ? `, got ${got}` : ''}`;
  }
  if (zi.code === 'invalid_value') return `invalid value; expected one of ${zi.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return zi.message;
}

/** Offset in the source of the node at `path` (or of its key), or of the deepest ancestor found. */
function locate(root: unknown, path: readonly PathSegment[], key?: boolean): number | undefined {
  let node = root as { range?: [number, number, number] } | null;
  let best = node?.range?.[0];
  for (const [i, seg] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (i === path.length - 1 && key && isScalar(pair.key)) return pair.key.range?.[0] ?? best;
      node = pair.value as typeof node;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as typeof node;
    } else break;
    if (node?.range) best = node.range[0];
    else break;
  }
  return best;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? 'a string' : typeof v);
