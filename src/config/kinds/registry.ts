import type { KindDef } from './types.ts';
import { virtualService } from './networking/virtual-service.ts';
import { destinationRule } from './networking/destination-rule.ts';
import { serviceEntry } from './networking/service-entry.ts';
import { workloadEntry } from './networking/workload-entry.ts';
import { gateway } from './networking/gateway.ts';
import { sidecar } from './networking/sidecar.ts';
import { peerAuthentication } from './security/peer-authentication.ts';
import { requestAuthentication } from './security/request-authentication.ts';
import { authorizationPolicy } from './security/authorization-policy.ts';
import { telemetry } from './telemetry/telemetry.ts';
import { meshConfigMap } from './mesh/mesh-config.ts';

// Every kind meshgate stores, with the API versions Istio serves for it.
export const KINDS: readonly KindDef[] = [
  virtualService, destinationRule, serviceEntry, workloadEntry, gateway, sidecar,
  peerAuthentication, requestAuthentication, authorizationPolicy, telemetry, meshConfigMap,
] as readonly KindDef[];

const byGroupKind = new Map(KINDS.map((k) => [`${k.group}/${k.kind}`, k]));

export function kindFor(group: string, kind: string): KindDef | undefined {
  return byGroupKind.get(`${group}/${kind}`);
}

/** Split `networking.istio.io/v1beta1` → group, version; core `v1` → '', 'v1'. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export const canonicalApiVersion = (def: KindDef) => (def.group ? `${def.group}/${def.versions[0]}` : def.versions[0]!);

/** kubectl-style lookup: `vs`, `virtualservice`, `virtualservices`, `VirtualService`, `virtualservices.networking.istio.io`. */
export function kindByName(name: string): KindDef | undefined {
  const n = name.toLowerCase();
  const [base, ...groupParts] = n.split('.');
  const group = groupParts.join('.');
  return KINDS.find((k) => (!group || k.group === group) && [k.kind.toLowerCase(), k.plural, ...k.shortNames].includes(base!));
}
