import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';
import { faultPercent, intPercent } from '../../syntax/percent.ts';

// HTTPFaultInjection (virtual_service.proto; validation.go validateHTTPFaultInjection*).
// Delay and abort draw independently; an absent `percentage` means the fault never fires
// (current Istio, istio/istio#36303). Envoy: abort body `fault filter abort`, flags FI / DI.

/** gRPC status names accepted for `abort.grpcStatus` (pkg/util/grpc SupportedGRPCStatus). */
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

export const faultDelay = z
  .strictObject({
    /** Deprecated integer percentage; use `percentage`. */
    percent: intPercent.optional(),
    fixedDelay: duration().optional(),
    /** Rejected by Istio ("not supported yet"); modelled so the message is Istio's. */
    exponentialDelay: duration().optional(),
    percentage: faultPercent.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.exponentialDelay !== undefined) ctx.addIssue({ code: 'custom', path: ['exponentialDelay'], message: 'exponentialDelay not supported yet' });
    if (d.fixedDelay !== undefined && d.exponentialDelay !== undefined) ctx.addIssue({ code: 'custom', path: ['exponentialDelay'], message: 'delay may only specify one of fixedDelay or exponentialDelay' });
  });

export const faultAbort = z
  .strictObject({
    httpStatus: z.number().int().optional(),
    /** A gRPC status name, e.g. UNAVAILABLE (answered as HTTP 200 + grpc-status). */
    grpcStatus: z.string().optional(),
    /** Rejected by Istio ("not supported yet"). */
    http2Error: z.string().optional(),
    percentage: faultPercent.optional(),
  })
  .superRefine((a, ctx) => {
    const set = (['httpStatus', 'grpcStatus', 'http2Error'] as const).filter((k) => a[k] !== undefined);
    if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1]!], message: `abort may only specify one of httpStatus, grpcStatus or http2Error (got ${set.join(', ')})` });
    if (a.httpStatus !== undefined && (a.httpStatus < 200 || a.httpStatus > 600)) ctx.addIssue({ code: 'custom', path: ['httpStatus'], message: `HTTP status ${a.httpStatus} is not in range 200-599` });
    if (a.grpcStatus !== undefined && !GRPC_STATUS_NAMES.includes(a.grpcStatus)) {
      ctx.addIssue({ code: 'custom', path: ['grpcStatus'], message: `gRPC status ${JSON.stringify(a.grpcStatus)} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'` });
    }
    if (a.http2Error !== undefined) ctx.addIssue({ code: 'custom', path: ['http2Error'], message: 'HTTP/2 abort fault injection not supported yet' });
  });

export const httpFaultInjection = z
  .strictObject({ delay: faultDelay.optional(), abort: faultAbort.optional() })
  .superRefine((f, ctx) => {
    if (!f.delay && !f.abort) ctx.addIssue({ code: 'custom', message: 'HTTP fault injection must have an abort and/or a delay' });
  });
export type HTTPFaultInjection = z.infer<typeof httpFaultInjection>;
