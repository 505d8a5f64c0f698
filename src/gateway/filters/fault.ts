import { HTTPFault } from '../../xds/filters/fault.ts';
import { durationMs } from '../../xds/resources/common.ts';
import type { Runtime } from '../runtime.ts';
import { fractionOf } from './fraction.ts';
import { faultAbort, LOCAL_REPLY_BODY, localReply } from '../http/local-reply.ts';

// Envoy's fault filter (per route): a fixed delay and an abort, each drawn on its own. The abort
// is a local reply `fault filter abort`.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/fault_filter

export interface CompiledFault {
  delay?: { ms: number; fraction: number };
  abort?: { httpStatus?: number; grpcStatus?: number; fraction: number };
}

export function compileFault(config: unknown): CompiledFault {
  const f = HTTPFault.parse(config);
  return {
    ...(f.delay ? { delay: { ms: durationMs(f.delay.fixed_delay), fraction: fractionOf(f.delay.percentage) } } : {}),
    ...(f.abort ? { abort: { httpStatus: f.abort.http_status, grpcStatus: f.abort.grpc_status, fraction: fractionOf(f.abort.percentage) } } : {}),
  };
}

/** The fault's decision for one request: how long to wait, and whether to abort. */
export function drawFault(f: CompiledFault, rt: Runtime): { delayMs: number; abort?: Response } {
  const delayMs = f.delay && f.delay.fraction > 0 && rt.random() < f.delay.fraction ? f.delay.ms : 0;
  if (!f.abort || !(f.abort.fraction > 0 && rt.random() < f.abort.fraction)) return { delayMs };
  // A gRPC-status abort is HTTP 200 `fault filter abort`; a gRPC caller gets that status in gRPC
  // form (pipeline: toGrpcLocalReply), as Envoy's sendLocalReply does.
  const abort = f.abort.grpcStatus !== undefined
    ? localReply(200, LOCAL_REPLY_BODY.faultAbort, undefined, f.abort.grpcStatus)
    : faultAbort(f.abort.httpStatus!); // a null-body status (204, 205, 304) is answered without one
  return { delayMs, abort };
}
