import type { HTTPFaultInjection } from '../../config/kinds/networking/virtual-service.ts';
import { GRPC_STATUS_NAMES } from '../../config/kinds/networking/http-fault.ts';
import { parseDuration } from '../../config/syntax/duration.ts';
import { msToDuration, type FractionalPercent } from '../resources/common.ts';
import { HTTP_FAULT_TYPE, type FaultAbort, type FaultDelay, type HTTPFault } from '../filters/fault.ts';

// HTTPFaultInjection → the fault filter's per-route config (Istio route.go TranslateFault).
// Current Istio: a delay or abort without `percentage` never fires (numerator 0).

/** Percent (0..100) → parts per million (route.go translatePercentToFractionalPercent). */
export const perMillion = (percent: number): FractionalPercent => ({ numerator: Math.round(percent * 10000), denominator: 'MILLION' });
const NEVER: FractionalPercent = { numerator: 0, denominator: 'MILLION' };

/** Undefined when neither a fixed delay nor an HTTP/gRPC abort remains (Istio drops the filter). */
export function translateFault(f: HTTPFaultInjection): HTTPFault | undefined {
  let delay: FaultDelay | undefined;
  const d = f.delay;
  if (d?.fixedDelay !== undefined) {
    // The deprecated integer `percent` stays a HUNDRED fraction, as Istio emits it.
    const percentage = d.percentage ? perMillion(d.percentage.value) : d.percent !== undefined ? { numerator: d.percent, denominator: 'HUNDRED' as const } : NEVER;
    delay = { fixed_delay: msToDuration(parseDuration(d.fixedDelay) ?? 0), percentage };
  }
  let abort: FaultAbort | undefined;
  const a = f.abort;
  if (a) {
    const percentage = a.percentage ? perMillion(a.percentage.value) : NEVER;
    const grpc = a.grpcStatus !== undefined ? GRPC_STATUS_NAMES.indexOf(a.grpcStatus) : -1;
    if (a.httpStatus !== undefined) abort = { http_status: a.httpStatus, percentage };
    else if (grpc >= 0) abort = { grpc_status: grpc, percentage };
  }
  if (!delay && !abort) return undefined;
  return { '@type': HTTP_FAULT_TYPE, ...(delay ? { delay } : {}), ...(abort ? { abort } : {}) };
}
