import type { Resource } from '../config/meta.ts';
import { canonicalJson } from '../config/canonical.ts';

// The config store: Istio resources in the Durable Object's SQLite, Kubernetes-style metadata
// (monotonic resourceVersion from one mesh-wide counter, generation bumped on spec change, uid,
// creationTimestamp). Every write is one transaction: all documents or none.

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface StoredRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface WriteResult extends StoredRef {
  apiVersion: string;
  resourceVersion: string;
  action: ApplyAction | 'deleted';
}

/** A write refused for one resource of the batch: `index` is its position, `path` the field at fault. */
export class ResourceError extends Error {
  constructor(message: string, readonly at?: { index: number; kind: string; namespace: string; name: string; path?: string }) {
    super(message);
  }
}
export class ConflictError extends ResourceError {}
export class NotFoundError extends ResourceError {}
/** A resource larger than a row may hold (413). */
export class TooLargeError extends ResourceError {}

/** Largest stored resource: a DO SQLite row holds at most 2 MB. */
export const MAX_RESOURCE_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

const keyOf = (r: StoredRef) => `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '');

export class ConfigStore {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS resources (
      key TEXT PRIMARY KEY, grp TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
      resource_version INTEGER NOT NULL, body TEXT NOT NULL)`);
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`);
  }

  /** The mesh-wide config version: the resourceVersion of the last write (0 when empty). */
  version(): number {
    const row = this.storage.sql.exec<{ v: number }>(`SELECT v FROM meta WHERE k = 'version'`).toArray()[0];
    return row?.v ?? 0;
  }

  list(filter: { group?: string; kind?: string; namespace?: string } = {}): Resource[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.group !== undefined) where.push('grp = ?'), args.push(filter.group);
    if (filter.kind !== undefined) where.push('kind = ?'), args.push(filter.kind);
    if (filter.namespace !== undefined) where.push('namespace = ?'), args.push(filter.namespace);
    const sql = `SELECT body FROM resources ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY grp, kind, namespace, name`;
    return this.storage.sql.exec<{ body: string }>(sql, ...args).toArray().map((r) => JSON.parse(r.body) as Resource);
  }

  get(ref: StoredRef): Resource | undefined {
    const row = this.storage.sql.exec<{ body: string }>('SELECT body FROM resources WHERE key = ?', keyOf(ref)).toArray()[0];
    return row ? (JSON.parse(row.body) as Resource) : undefined;
  }

  /**
   * Creates or updates every resource, all or nothing. With `expectResourceVersion`, a resource
   * whose stored version differs (or that does not exist) is a conflict, as a Kubernetes PUT.
   */
  apply(resources: readonly Resource[], opts: { dryRun?: boolean; now?: Date; expectResourceVersion?: (r: Resource) => string | undefined } = {}): { version: number; results: WriteResult[] } {
    const run = () => {
      let version = this.version();
      const now = (opts.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const results: WriteResult[] = [];
      for (const [index, input] of resources.entries()) {
        const ref: StoredRef = { group: groupOf(input.apiVersion), kind: input.kind, namespace: input.metadata.namespace, name: input.metadata.name };
        const at = (path?: string) => ({ index, kind: ref.kind, namespace: ref.namespace, name: ref.name, ...(path ? { path } : {}) });
        const prior = this.get(ref);
        const expected = opts.expectResourceVersion?.(input);
        if (expected !== undefined && prior?.metadata.resourceVersion !== expected) {
          throw new ConflictError(prior
            ? `Operation cannot be fulfilled on ${input.kind} ${ref.namespace}/${ref.name}: the object has been modified (resourceVersion ${prior.metadata.resourceVersion}, not ${expected}); get it again and reapply your changes`
            : `${input.kind} ${ref.namespace}/${ref.name} does not exist, so resourceVersion ${expected} cannot match; omit metadata.resourceVersion to create it`, at('metadata.resourceVersion'));
        }
        const userMeta = { labels: input.metadata.labels, annotations: input.metadata.annotations };
        if (prior && canonicalJson(prior.spec) === canonicalJson(input.spec) && canonicalJson({ labels: prior.metadata.labels, annotations: prior.metadata.annotations }) === canonicalJson(userMeta)) {
          results.push({ ...ref, apiVersion: input.apiVersion, resourceVersion: prior.metadata.resourceVersion!, action: 'unchanged' });
          continue;
        }
        version += 1;
        const specChanged = !prior || canonicalJson(prior.spec) !== canonicalJson(input.spec);
        const stored: Resource = {
          apiVersion: input.apiVersion,
          kind: input.kind,
          metadata: {
            name: ref.name,
            namespace: ref.namespace,
            ...(userMeta.labels ? { labels: userMeta.labels } : {}),
            ...(userMeta.annotations ? { annotations: userMeta.annotations } : {}),
            resourceVersion: String(version),
            generation: (prior?.metadata.generation ?? 0) + (specChanged ? 1 : 0),
            creationTimestamp: prior?.metadata.creationTimestamp ?? now,
            uid: prior?.metadata.uid ?? crypto.randomUUID(),
          },
          spec: input.spec,
        };
        const body = JSON.stringify(stored);
        // The limit is on bytes (UTF-8), as SQLite's row limit is: `length` counts UTF-16 units.
        const bytes = body.length * 3 > MAX_RESOURCE_BYTES ? encoder.encode(body).byteLength : body.length;
        if (bytes > MAX_RESOURCE_BYTES) throw new TooLargeError(`${input.kind} ${ref.namespace}/${ref.name} is ${bytes} bytes stored; the limit is ${MAX_RESOURCE_BYTES}`, at());
        if (!opts.dryRun) {
          this.storage.sql.exec(
            `INSERT INTO resources (key, grp, kind, namespace, name, resource_version, body) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(key) DO UPDATE SET resource_version = excluded.resource_version, body = excluded.body`,
            keyOf(ref), ref.group, ref.kind, ref.namespace, ref.name, version, body);
        }
        results.push({ ...ref, apiVersion: input.apiVersion, resourceVersion: String(version), action: prior ? 'configured' : 'created' });
      }
      if (!opts.dryRun) this.setVersion(version);
      return { version, results };
    };
    return opts.dryRun ? run() : this.storage.transactionSync(run);
  }

  /** Deletes the named resources in one transaction; missing ones are reported, not errors. */
  delete(refs: readonly StoredRef[], opts: { dryRun?: boolean; requireExisting?: boolean } = {}): { version: number; results: (StoredRef & { action: 'deleted' | 'not-found'; resourceVersion?: string })[] } {
    const run = () => {
      let version = this.version();
      const results = refs.map((ref) => {
        const prior = this.get(ref);
        if (!prior) {
          if (opts.requireExisting) throw new NotFoundError(`${ref.kind} ${ref.namespace}/${ref.name} not found`);
          return { ...ref, action: 'not-found' as const };
        }
        version += 1;
        if (!opts.dryRun) this.storage.sql.exec('DELETE FROM resources WHERE key = ?', keyOf(ref));
        return { ...ref, action: 'deleted' as const, resourceVersion: prior.metadata.resourceVersion };
      });
      if (!opts.dryRun) this.setVersion(version);
      return { version, results };
    };
    return opts.dryRun ? run() : this.storage.transactionSync(run);
  }

  private setVersion(v: number) {
    this.storage.sql.exec(`INSERT INTO meta (k, v) VALUES ('version', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, v);
  }
}
