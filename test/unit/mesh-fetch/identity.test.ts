import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { clearIdentityTokenCache, meshFetch, SOURCE_HEADER, SVID_HEADER, type IdentityTokenResult, type MeshIdentityBinding } from '../../../src/mesh-fetch/index.ts';

// meshFetch's JWT-SVID handling: token fetched on first use over the MESH_IDENTITY RPC binding,
// cached per secret, renewed in the background when a third of its lifetime is left, and sent as
// x-meshgate-svid (replacing any caller value). The control plane here is a test double of the
// XdsService.identityToken RPC only.

const T0 = Date.parse('2026-03-01T00:00:00Z');
const TTL = 600_000;

function controlPlane(secrets: Record<string, string> = { 'mgid_good': 'shop/checkout' }) {
  const calls: { secret: string; audience?: string }[] = [];
  let n = 0;
  const rpc: MeshIdentityBinding & { fail?: boolean } = {
    async identityToken(secret: string, audience?: string): Promise<IdentityTokenResult> {
      calls.push({ secret, ...(audience !== undefined ? { audience } : {}) });
      if (rpc.fail) throw new Error('control plane unavailable');
      const who = secrets[secret];
      if (!who) return { ok: false, error: 'unknown bootstrap secret' };
      n++;
      return { ok: true, token: `tok-${who}-${n}`, expiresAt: Date.now() + TTL, spiffeId: `spiffe://cluster.local/ns/${who.replace('/', '/sa/')}` };
    },
  };
  return { rpc, calls };
}

function egress() {
  const seen: Record<string, string>[] = [];
  return { seen, binding: { async fetch(req: Request) { seen.push(Object.fromEntries(req.headers)); return new Response('ok'); } } };
}

beforeEach(() => {
  clearIdentityTokenCache();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

describe('meshFetch workload identity (JWT-SVID)', () => {
  test('fetches a token on first use, caches it, and replaces a caller-supplied x-meshgate-svid', async () => {
    const { rpc, calls } = controlPlane();
    const { seen, binding } = egress();
    const f = meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_good' } });
    await f('http://api.partner.test/a', { headers: { [SVID_HEADER]: 'forged' } });
    await f('http://api.partner.test/b');
    expect(seen.map((h) => h[SVID_HEADER])).toEqual(['tok-shop/checkout-1', 'tok-shop/checkout-1']);
    expect(calls).toEqual([{ secret: 'mgid_good' }]);
    // A second meshFetch in the same isolate (another request) reuses the cached token.
    await meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_good' } })('http://api.partner.test/c');
    expect(calls).toHaveLength(1);
  });

  test('concurrent first calls share one token request', async () => {
    const { rpc, calls } = controlPlane();
    const { seen, binding } = egress();
    const f = meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_good' } });
    await Promise.all([f('http://a.test/'), f('http://b.test/'), f('http://c.test/')]);
    expect(calls).toHaveLength(1);
    expect(new Set(seen.map((h) => h[SVID_HEADER]))).toEqual(new Set(['tok-shop/checkout-1']));
  });

  test('renews in the background once less than a third of the lifetime is left, then presents the new token', async () => {
    const { rpc, calls } = controlPlane();
    const { seen, binding } = egress();
    const waits: Promise<unknown>[] = [];
    const f = meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_good' }, ctx: { waitUntil: (p) => waits.push(p) } });
    await f('http://a.test/');
    vi.setSystemTime(T0 + TTL / 2); // half left: no renewal
    await f('http://a.test/');
    expect(calls).toHaveLength(1);
    vi.setSystemTime(T0 + (TTL * 3) / 4); // a quarter left: renew off the request path
    await f('http://a.test/');
    expect(seen.at(-1)![SVID_HEADER]).toBe('tok-shop/checkout-1');
    expect(waits).toHaveLength(1);
    await Promise.all(waits);
    expect(calls).toHaveLength(2);
    await f('http://a.test/');
    expect(seen.at(-1)![SVID_HEADER]).toBe('tok-shop/checkout-2');
  });

  test('an expired (or nearly expired) token is not presented: a fresh one is awaited', async () => {
    const { rpc, calls } = controlPlane();
    const { seen, binding } = egress();
    const f = meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_good' } });
    await f('http://a.test/');
    vi.setSystemTime(T0 + TTL - 1000);
    await f('http://a.test/');
    expect(calls).toHaveLength(2);
    expect(seen.at(-1)![SVID_HEADER]).toBe('tok-shop/checkout-2');
  });

  test('a failed background renewal keeps the current token', async () => {
    const { rpc } = controlPlane();
    const { seen, binding } = egress();
    const waits: Promise<unknown>[] = [];
    const f = meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_good' }, ctx: { waitUntil: (p) => waits.push(p) } });
    await f('http://a.test/');
    rpc.fail = true;
    vi.setSystemTime(T0 + (TTL * 3) / 4);
    await f('http://a.test/');
    await Promise.all(waits);
    await f('http://a.test/');
    expect(seen.map((h) => h[SVID_HEADER])).toEqual(['tok-shop/checkout-1', 'tok-shop/checkout-1', 'tok-shop/checkout-1']);
  });

  test('an unknown secret fails the call with the control plane\'s reason, never quoting the secret', async () => {
    const { rpc } = controlPlane();
    const { seen, binding } = egress();
    const f = meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_SECRET_VALUE' } });
    const err = await f('http://a.test/').then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/refused a workload identity token: unknown bootstrap secret/);
    expect(err?.message).not.toContain('mgid_SECRET_VALUE');
    expect(seen).toHaveLength(0);
  });

  test('reads MESHGATE_IDENTITY_SECRET + MESH_IDENTITY from env by default; different secrets get different tokens', async () => {
    const { rpc } = controlPlane({ mgid_a: 'shop/checkout', mgid_b: 'shop/cart' });
    const { seen, binding } = egress();
    await meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc, MESHGATE_IDENTITY_SECRET: 'mgid_a' })('http://a.test/');
    await meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: rpc }, { identity: { secret: 'mgid_b' } })('http://a.test/');
    expect(seen.map((h) => h[SVID_HEADER])).toEqual(['tok-shop/checkout-1', 'tok-shop/cart-2']);
  });

  test('no identity: no x-meshgate-svid, and a caller-set one is removed; {namespace, serviceAccount} stays informational', async () => {
    const { seen, binding } = egress();
    await meshFetch({ MESH_EGRESS: binding })('http://a.test/', { headers: { [SVID_HEADER]: 'forged' } });
    await meshFetch({ MESH_EGRESS: binding }, { identity: { namespace: 'shop', serviceAccount: 'checkout' } })('http://a.test/');
    expect(seen[0]![SVID_HEADER]).toBeUndefined();
    expect([seen[1]![SVID_HEADER], seen[1]![SOURCE_HEADER]]).toEqual([undefined, 'shop/checkout']);
  });

  test('a missing identity binding or secret is a clear error at setup', () => {
    const { binding } = egress();
    expect(() => meshFetch({ MESH_EGRESS: binding }, { identity: { secret: 'mgid_good' } })).toThrow(/no service binding MESH_IDENTITY/);
    expect(() => meshFetch({ MESH_EGRESS: binding, MESH_IDENTITY: controlPlane().rpc }, { identity: {} })).toThrow(/no bootstrap secret/);
  });
});
