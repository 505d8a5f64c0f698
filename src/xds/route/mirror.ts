import type { HTTPRoute } from '../../config/kinds/networking/virtual-service.ts';
import type { RequestMirrorPolicy } from '../resources/route.ts';
import { resolveDestination } from './destination.ts';
import { perMillion } from './fault.ts';
import type { RouteTarget, RouteTranslation } from './translate.ts';

// mirror/mirrorPercentage/mirrorPercent and mirrors[] → request_mirror_policies (Istio route.go
// MirrorPercent, MirrorPercentByPolicy, TranslateRequestMirrorPolicy). Absent percentage ⇒ 100%
// (runtime_fraction omitted); 0 ⇒ not mirrored. Fire-and-forget: trace_sampled false.

/** undefined = 100%, null = never, else the percent. */
type Share = number | null | undefined;

function routeMirrorShare(h: HTTPRoute): Share {
  if (h.mirrorPercentage) return h.mirrorPercentage.value > 0 ? h.mirrorPercentage.value : null;
  if (h.mirrorPercent !== undefined) return h.mirrorPercent > 0 ? h.mirrorPercent : null;
  return undefined;
}

export function mirrorPolicies(tx: RouteTranslation, target: RouteTarget, h: HTTPRoute, namespace: string): RequestMirrorPolicy[] {
  const targets: { dest: NonNullable<HTTPRoute['mirror']>; share: Share }[] = [];
  if (h.mirror) targets.push({ dest: h.mirror, share: routeMirrorShare(h) });
  for (const m of h.mirrors ?? []) targets.push({ dest: m.destination, share: m.percentage ? (m.percentage.value > 0 ? m.percentage.value : null) : undefined });
  const out: RequestMirrorPolicy[] = [];
  for (const { dest, share } of targets) {
    if (share === null) continue;
    out.push({
      cluster: resolveDestination(tx, target, dest, namespace).name,
      ...(share !== undefined ? { runtime_fraction: { default_value: perMillion(share) } } : {}),
      trace_sampled: false,
      // Istio ≤1.27 sends mirrors with Host `<host>-shadow` (DESIGN.md keeps it unless turned off).
      ...(tx.push.mesh.mirrorHostSuffix ? { 'meshgate.host_suffix': '-shadow' } : {}),
    });
  }
  return out;
}
