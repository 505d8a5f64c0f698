import type { OutlierDetection } from '../../xds/resources/cluster.ts';
import { durationMs } from '../../xds/resources/common.ts';
import type { Runtime } from '../runtime.ts';
import type { ClusterState, HostState } from './state.ts';

// Envoy's consecutive-error outlier detection (arch overview "Outlier detection"), evaluated
// inline when a request ends. Envoy un-ejects on its interval timer (checkHostForUneject): at the
// first tick after the ejection time has run out. meshgate has no timer; it computes that tick
// when it ejects and compares it with rt.now() whenever the cluster picks. Success-rate and failure-percentage
// detection are not implemented (Istio turns success rate off and never sets failure percentage).

export interface OutlierConfig {
  /** consecutive_5xx (default 5; 0 disables) and its enforcement % (default 100). */
  readonly consecutive5xx: number;
  readonly enforcing5xx: number;
  /** consecutive_gateway_failure (default 5) and its enforcement % (Envoy default 0 = off). */
  readonly consecutiveGateway: number;
  readonly enforcingGateway: number;
  /** split_external_local_origin_errors and the local-origin detector (default 5, enforcing 100). */
  readonly split: boolean;
  readonly consecutiveLocalOrigin: number;
  readonly enforcingLocalOrigin: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  /** Upper bound of one ejection: max(base_ejection_time, max_ejection_time (default 300s)). */
  readonly ejectionCapMs: number;
  readonly maxEjectionPercent: number;
  /** `meshgate.error_status_codes` (Istio outlierDetectionHttpErrorCodes); default 500–599. */
  readonly errorStatuses: ReadonlySet<number> | undefined;
}

export interface RequestOutcome {
  status?: number;
  connectFailure?: boolean;
  timeout?: boolean;
  reset?: boolean;
}

export function compileOutlier(od: OutlierDetection): OutlierConfig {
  const base = od.base_ejection_time !== undefined ? durationMs(od.base_ejection_time) : 30_000;
  const max = od.max_ejection_time !== undefined ? durationMs(od.max_ejection_time) : 300_000;
  return {
    consecutive5xx: od.consecutive_5xx ?? 5,
    enforcing5xx: od.enforcing_consecutive_5xx ?? 100,
    consecutiveGateway: od.consecutive_gateway_failure ?? 5,
    enforcingGateway: od.enforcing_consecutive_gateway_failure ?? 0,
    split: od.split_external_local_origin_errors ?? false,
    consecutiveLocalOrigin: od.consecutive_local_origin_failure ?? 5,
    enforcingLocalOrigin: od.enforcing_consecutive_local_origin_failure ?? 100,
    intervalMs: od.interval !== undefined ? Math.max(1, durationMs(od.interval)) : 10_000,
    baseEjectionMs: base,
    ejectionCapMs: Math.max(base, max),
    maxEjectionPercent: od.max_ejection_percent ?? 10,
    errorStatuses: od['meshgate.error_status_codes']?.length ? new Set(od['meshgate.error_status_codes']) : undefined,
  };
}

/** Brings back every host whose ejection has run out by `now`. */
export function refreshEjections(cs: ClusterState, now: number): void {
  if (cs.ejectedCount === 0 || now < cs.nextUnejectAt) return;
  for (const h of cs.hosts.values()) {
    if (h.ejectedAt !== undefined && now >= h.unejectAt) {
      h.unejectedAt = h.unejectAt;
      h.ejectedAt = undefined;
    }
  }
  cs.recountEjections();
}

/** Clears every ejection (outlier detection removed from the cluster). */
export function clearEjections(cs: ClusterState): void {
  for (const h of cs.hosts.values()) {
    h.ejectedAt = undefined;
    h.consecutive5xx = h.consecutiveGatewayFailure = h.consecutiveLocalOriginFailure = 0;
  }
  cs.recountEjections();
}

/** The first interval tick (epoch + k × interval) at or after `t`. */
function nextTick(epoch: number, intervalMs: number, t: number): number {
  return t <= epoch ? epoch : epoch + Math.ceil((t - epoch) / intervalMs) * intervalMs;
}

function tryEject(cfg: OutlierConfig, cs: ClusterState, h: HostState, enforcing: number, totalHosts: number, rt: Runtime): void {
  const now = rt.now();
  refreshEjections(cs, now);
  if (h.ejected) return;
  if (enforcing <= 0) return;
  // max_ejection_percent counts this ejection too: at the default 10%, fewer than 10 hosts eject
  // none (current Envoy; always_eject_one_host, which Istio never sets, would allow one). Checked
  // before the enforcement draw, in Envoy's order (ejectHost, then enforceEjection).
  if ((100 * (cs.ejectedCount + 1)) / totalHosts > cfg.maxEjectionPercent) return;
  if (enforcing < 100 && rt.random() * 100 >= enforcing) return;
  // The multiplier shrinks by one on each tick that finds the host back in service for at least
  // an interval; it came back on a tick, so that is one per whole interval since.
  if (h.unejectedAt !== undefined) {
    const healthyIntervals = Math.floor((now - h.unejectedAt) / cfg.intervalMs);
    h.ejectionMultiplier = Math.max(0, h.ejectionMultiplier - healthyIntervals);
  }
  // Grows until base × multiplier has reached the cap (so the cap itself is reached, then held).
  if (cfg.baseEjectionMs * h.ejectionMultiplier < cfg.ejectionCapMs + cfg.baseEjectionMs) h.ejectionMultiplier++;
  h.ejectedAt = now;
  const ejectionMs = Math.min(cfg.baseEjectionMs * h.ejectionMultiplier, cfg.ejectionCapMs);
  h.unejectAt = nextTick(cs.outlierEpoch ?? now, cfg.intervalMs, now + ejectionMs);
  h.unejectedAt = undefined;
  h.timesEjected++;
  h.consecutive5xx = h.consecutiveGatewayFailure = h.consecutiveLocalOriginFailure = 0;
  cs.ejectedCount++;
  cs.nextUnejectAt = Math.min(cs.nextUnejectAt, h.unejectAt);
}

const isGatewayStatus = (s: number) => s === 502 || s === 503 || s === 504;

/**
 * Feeds one finished request into the detectors. Without split_external_local_origin_errors a
 * connect failure or reset counts as a 503 and a timeout as a 504 (Envoy maps local-origin
 * events to HTTP codes), so they count as both 5xx and gateway failures.
 */
export function recordOutcome(cfg: OutlierConfig, cs: ClusterState, h: HostState, outcome: RequestOutcome, totalHosts: number, rt: Runtime): void {
  if (h.ejected) return;
  const localFailure = outcome.status === undefined && (outcome.connectFailure || outcome.timeout || outcome.reset);
  let status = outcome.status;
  if (localFailure) {
    if (cfg.split) {
      h.consecutiveLocalOriginFailure++;
      if (cfg.consecutiveLocalOrigin > 0 && h.consecutiveLocalOriginFailure >= cfg.consecutiveLocalOrigin) {
        h.consecutiveLocalOriginFailure = 0;
        tryEject(cfg, cs, h, cfg.enforcingLocalOrigin, totalHosts, rt);
      }
      return;
    }
    status = outcome.timeout ? 504 : 503;
  } else if (cfg.split) {
    // A response means the connection worked: a local-origin success.
    h.consecutiveLocalOriginFailure = 0;
  }
  if (status === undefined) return;
  const isError = cfg.errorStatuses ? cfg.errorStatuses.has(status) : status >= 500 && status <= 599;
  if (!isError) {
    h.consecutive5xx = 0;
    h.consecutiveGatewayFailure = 0;
    return;
  }
  if (isGatewayStatus(status)) {
    h.consecutiveGatewayFailure++;
    if (cfg.consecutiveGateway > 0 && h.consecutiveGatewayFailure >= cfg.consecutiveGateway) {
      h.consecutiveGatewayFailure = 0;
      tryEject(cfg, cs, h, cfg.enforcingGateway, totalHosts, rt);
    }
  } else {
    h.consecutiveGatewayFailure = 0;
  }
  if (h.ejected) return;
  h.consecutive5xx++;
  if (cfg.consecutive5xx > 0 && h.consecutive5xx >= cfg.consecutive5xx) {
    h.consecutive5xx = 0;
    tryEject(cfg, cs, h, cfg.enforcing5xx, totalHosts, rt);
  }
}
