import { z } from 'zod';

// HTTPDirectResponse (virtual_service.proto; validation.go validateHTTPDirectResponse): a fixed
// response from the proxy. Body is `string` or `bytes` (base64), at most 1MB (100KB warns).

export const DIRECT_RESPONSE_MAX_BYTES = 1024 * 1024;
export const DIRECT_RESPONSE_WARN_BYTES = 100 * 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Size in bytes of the body as Envoy will send it. */
export function bodySize(body: HTTPBody): number {
  if (body.string !== undefined) return new TextEncoder().encode(body.string).length;
  if (body.bytes !== undefined) {
    const b = body.bytes.replace(/\s/g, '');
    return Math.floor((b.length * 3) / 4) - (b.endsWith('==') ? 2 : b.endsWith('=') ? 1 : 0);
  }
  return 0;
}

export const httpBody = z
  .strictObject({
    string: z.string().optional(),
    /** Base64 (proto3 JSON `bytes`). */
    bytes: z.string().optional(),
  })
  .superRefine((b, ctx) => {
    if (b.string !== undefined && b.bytes !== undefined) ctx.addIssue({ code: 'custom', path: ['bytes'], message: 'body may only specify one of string or bytes' });
    if (b.bytes !== undefined && !BASE64.test(b.bytes.replace(/\s/g, ''))) ctx.addIssue({ code: 'custom', path: ['bytes'], message: 'body bytes must be base64 encoded' });
    if (bodySize(b) > DIRECT_RESPONSE_MAX_BYTES) {
      ctx.addIssue({ code: 'custom', path: [b.string !== undefined ? 'string' : 'bytes'], message: 'large direct_responses may impact control plane performance, must be less than 1MB' });
    }
  });
export type HTTPBody = z.infer<typeof httpBody>;

export const httpDirectResponse = z
  .strictObject({
    status: z.number().int(),
    body: httpBody.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.status < 200 || d.status > 600) ctx.addIssue({ code: 'custom', path: ['status'], message: `HTTP status ${d.status} is not in range 200-599` });
  });
export type HTTPDirectResponse = z.infer<typeof httpDirectResponse>;
