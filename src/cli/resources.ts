import { KINDS, kindByName } from '../config/kinds/registry.ts';
import type { KindDef } from '../config/kinds/types.ts';
import { CliError, EXIT_ERROR } from './errors.ts';

// Resource naming as kubectl prints it, and the admin API's Kubernetes-style paths.

/** `virtualservice.networking.istio.io` (kubectl's `apply`/`delete -f` output), `configmap` for core. */
export const kindQualified = (def: KindDef) => (def.group ? `${def.kind.toLowerCase()}.${def.group}` : def.kind.toLowerCase());

/** `virtualservices.networking.istio.io` (kubectl's NotFound messages), `configmaps` for core. */
export const pluralQualified = (def: KindDef) => (def.group ? `${def.plural}.${def.group}` : def.plural);

/** `Error from server (NotFound): virtualservices.networking.istio.io "x" not found` */
export const notFoundLine = (def: KindDef, name: string) => `Error from server (NotFound): ${pluralQualified(def)} "${name}" not found`;

/** `/apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}]` (core kinds under `/api/{version}`). */
export function resourcePath(def: KindDef, opts: { version?: string; namespace?: string; name?: string } = {}): string {
  const version = opts.version && def.versions.includes(opts.version) ? opts.version : def.versions[0]!;
  const base = def.group ? `/apis/${def.group}/${version}` : `/api/${version}`;
  const ns = opts.namespace !== undefined ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  const name = opts.name !== undefined ? `/${encodeURIComponent(opts.name)}` : '';
  return `${base}${ns}/${def.plural}${name}`;
}

/** kubectl-style kind lookup, with kubectl's error when nothing matches. */
export function requireKind(name: string): KindDef {
  const def = kindByName(name);
  if (!def) {
    const known = KINDS.map((k) => [k.plural, ...k.shortNames].join('/')).join(', ');
    throw new CliError(`the server doesn't have a resource type "${name}"`, EXIT_ERROR, `meshgate serves: ${known}`);
  }
  return def;
}

/**
 * kubectl's AGE column (k8s.io/apimachinery duration.HumanDuration): `45s`, `5m12s`, `47m`, `5h3m`,
 * `30h`, `3d4h`, `40d`, `2y30d`, `9y`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** AGE of a resource from its `metadata.creationTimestamp`; `<unknown>` without one (as kubectl). */
export function age(creationTimestamp: unknown, now: number = Date.now()): string {
  if (typeof creationTimestamp !== 'string') return '<unknown>';
  const t = Date.parse(creationTimestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}
