import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Bundling the mesh's workers for local workerd: TypeScript entry points → one self-contained
// ESM file each (workerd runs JavaScript only; cloudflare-workers.md §4/§7). One esbuild call
// for all entries. The result is reused when no input changed (mtime and size of every file
// esbuild read, plus the options), so a restart with the same build dir costs a few stats.

/** The repository root (this file is src/cli/dev/bundle.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const MESH_ENTRIES = {
  'control-plane': 'workers/control-plane/index.ts',
  'ingress-gateway': 'workers/ingress-gateway/index.ts',
  'egress-gateway': 'workers/egress-gateway/index.ts',
} as const;

export type MeshWorkerName = keyof typeof MESH_ENTRIES;

export interface BundleResult {
  /** Absolute path of each bundled ESM file, by worker name. */
  files: Record<string, string>;
  /** True when the previous bundle was reused. */
  cached: boolean;
  ms: number;
}

export class BundleError extends Error {
  constructor(
    message: string,
    /** esbuild's messages, `file:line:col: text`. */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

const BUILD_VERSION = 1;

interface CacheManifest {
  key: string;
  inputs: Record<string, [mtimeMs: number, size: number]>;
  files: Record<string, string>;
}

/**
 * Bundles `entries` (worker name → entry file, relative to the repo root or absolute) into
 * `outDir`. Concurrent callers sharing an outDir are safe: outputs are written to temp names
 * and renamed into place.
 */
export async function bundleWorkers(outDir: string, entries: Record<string, string> = MESH_ENTRIES): Promise<BundleResult> {
  const started = Date.now();
  const abs = Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, path.resolve(REPO_ROOT, file)]));
  const key = createHash('sha256').update(JSON.stringify({ BUILD_VERSION, abs })).digest('hex').slice(0, 16);
  const manifestPath = path.join(outDir, `bundle-${key}.json`);
  const prior = await readCache(manifestPath, key);
  if (prior && (await unchanged(prior))) return { files: prior.files, cached: true, ms: Date.now() - started };

  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: abs,
      absWorkingDir: REPO_ROOT,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      external: ['cloudflare:*', 'node:*'],
      target: 'es2024',
      write: false,
      metafile: true,
      outdir: outDir,
      entryNames: `[name]-${key}`,
      logLevel: 'silent',
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors ?? [];
    const details = errors.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text));
    throw new BundleError(details[0] ?? (e as Error).message, details);
  }
  await mkdir(outDir, { recursive: true });
  const tmpSuffix = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await Promise.all(
    result.outputFiles.map(async (f) => {
      await writeFile(f.path + tmpSuffix, f.contents);
      await rename(f.path + tmpSuffix, f.path);
    }),
  );
  const files = Object.fromEntries(Object.keys(abs).map((name) => [name, path.join(outDir, `${name}-${key}.js`)]));
  const inputs: CacheManifest['inputs'] = {};
  await Promise.all(
    Object.keys(result.metafile.inputs).map(async (p) => {
      const st = await stat(path.resolve(REPO_ROOT, p)).catch(() => undefined);
      if (st) inputs[path.resolve(REPO_ROOT, p)] = [st.mtimeMs, st.size];
    }),
  );
  const manifest: CacheManifest = { key, inputs, files };
  await writeFile(manifestPath + tmpSuffix, JSON.stringify(manifest));
  await rename(manifestPath + tmpSuffix, manifestPath);
  return { files, cached: false, ms: Date.now() - started };
}

async function readCache(file: string, key: string): Promise<CacheManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as CacheManifest;
    return m.key === key ? m : undefined;
  } catch {
    return undefined;
  }
}

async function unchanged(m: CacheManifest): Promise<boolean> {
  const outputsThere = await Promise.all(Object.values(m.files).map((f) => stat(f).then(() => true, () => false)));
  if (outputsThere.includes(false)) return false;
  const same = await Promise.all(
    Object.entries(m.inputs).map(async ([p, [mtime, size]]) => {
      const st = await stat(p).catch(() => undefined);
      return !!st && st.mtimeMs === mtime && st.size === size;
    }),
  );
  return !same.includes(false);
}
