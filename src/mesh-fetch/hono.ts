// Hono middleware: a request-scoped meshFetch on `c.var.meshFetch`, created with
// `from: c.req.raw` so the incoming request's trace headers follow every outbound call.
//
//   app.use('/productpage', meshFetchMiddleware({ identity: { namespace: 'default', serviceAccount: 'bookinfo-productpage' } }));
//   app.get('/productpage', async (c) => {
//     const res = await c.var.meshFetch('http://details.default.svc.cluster.local:9080/details/0');
//   });
//
// Options may also be a function of the context, to read vars: `meshFetchMiddleware((c) => ({ identity: … c.env … }))`.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { meshFetch, type MeshFetch, type MeshFetchOptions } from './core.ts';

export type MeshFetchVariables = { meshFetch: MeshFetch };
export type MeshFetchMiddlewareOptions = Omit<MeshFetchOptions, 'from'>;

/**
 * Sets `c.var.meshFetch`. A missing egress binding throws (the app's `onError` answers, 500 by
 * default) with the error naming the binding.
 */
export function meshFetchMiddleware(
  opts: MeshFetchMiddlewareOptions | ((c: Context) => MeshFetchMiddlewareOptions) = {},
) {
  return createMiddleware<{ Variables: MeshFetchVariables }>(async (c, next) => {
    const o = typeof opts === 'function' ? opts(c) : opts;
    let ctx: MeshFetchOptions['ctx'];
    try {
      ctx = c.executionCtx; // lets identity-token renewal finish in the background; absent outside Workers
    } catch {
      ctx = undefined;
    }
    c.set('meshFetch', meshFetch(c.env as object | undefined, { ...(ctx && !o.ctx ? { ctx } : {}), ...o, from: c.req.raw }));
    await next();
  });
}
