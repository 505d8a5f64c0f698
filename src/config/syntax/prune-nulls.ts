// An empty YAML key (`match:`, `corsPolicy:`, `labels:`) is null. The Kubernetes API server drops
// such nulls before Istio sees a resource (apiextensions-apiserver prunenulls.go,
// PruneNonNullableNullsWithoutDefaults), so Istio reads them as unset; Helm and Kustomize output
// is full of them. List items are left alone: a null item is still an error.

/** No Istio resource nests this deep; below it the value is left as it is (and fails its schema). */
const MAX_DEPTH = 64;

/** `value` with every null-valued object key removed (a copy; input untouched). */
export function pruneNulls(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => pruneNulls(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = pruneNulls(v, depth + 1);
  return out;
}
