import { z } from 'zod';
import { DurationString, FractionalPercent } from '../resources/common.ts';

// Per-route payload of the fault filter (typed_per_filter_config["envoy.filters.http.fault"]):
// envoy.extensions.filters.http.fault.v3.HTTPFault, the subset Istio emits
// (route.go TranslateFault). Delay and abort draw independently, each against its own
// `percentage`; numerator 0 never fires (Istio: an absent percentage means 0%).
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto

export const HTTP_FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/** envoy.extensions.filters.common.fault.v3.FaultDelay (fixed delays only, as Istio). */
export const FaultDelay = z.strictObject({
  fixed_delay: DurationString,
  percentage: FractionalPercent,
});
export type FaultDelay = z.infer<typeof FaultDelay>;

/** envoy.extensions.filters.http.fault.v3.FaultAbort: an HTTP status or a gRPC status code. */
export const FaultAbort = z
  .strictObject({
    http_status: z.number().int().min(200).max(599).optional(),
    /** gRPC code number (UNAVAILABLE = 14): answered as HTTP 200 with `grpc-status`. */
    grpc_status: z.number().int().min(0).max(16).optional(),
    percentage: FractionalPercent,
  })
  .refine((a) => (a.http_status === undefined) !== (a.grpc_status === undefined), { message: 'exactly one of http_status or grpc_status' });
export type FaultAbort = z.infer<typeof FaultAbort>;

export const HTTPFault = z
  .strictObject({
    '@type': z.literal(HTTP_FAULT_TYPE),
    delay: FaultDelay.optional(),
    abort: FaultAbort.optional(),
  })
  .refine((f) => f.delay !== undefined || f.abort !== undefined, { message: 'a fault needs a delay and/or an abort' });
export type HTTPFault = z.infer<typeof HTTPFault>;
