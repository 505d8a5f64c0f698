import type { MiddlewareHandler } from 'hono';

// Admin API authentication: `Authorization: Bearer <MESHGATE_ADMIN_TOKEN>`, compared in constant
// time. 401 without credentials, 403 with wrong ones; with no token configured the API refuses
// to serve at all (never an open admin API).
export function adminAuth(getToken: (env: unknown) => string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const token = getToken(c.env);
    if (!token) {
      return c.json({ errors: [{ message: 'the admin API is disabled: no MESHGATE_ADMIN_TOKEN is configured. Set one with `npx wrangler secret put MESHGATE_ADMIN_TOKEN` (or `meshgate dev --token T`).' }] }, 503);
    }
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      c.header('www-authenticate', 'Bearer realm="meshgate"');
      return c.json({ errors: [{ message: 'authentication required: send Authorization: Bearer <admin token>' }] }, 401);
    }
    if (!(await sameSecret(m[1]!, token))) return c.json({ errors: [{ message: 'forbidden: the admin token is not valid' }] }, 403);
    await next();
  };
}

/** Constant-time comparison of two secrets of any length (compares their SHA-256 digests). */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([crypto.subtle.digest('SHA-256', enc.encode(a)), crypto.subtle.digest('SHA-256', enc.encode(b))]);
  return crypto.subtle.timingSafeEqual(da, db);
}
