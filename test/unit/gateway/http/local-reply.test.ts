import { describe, expect, it } from 'vitest';
import {
  LOCAL_REPLY_BODY,
  badRequest,
  blackHole,
  clusterNotFound,
  connectFailure,
  faultAbort,
  localReply,
  noHealthyUpstream,
  noRoute,
  overflow,
  rateLimited,
  rbacDenied,
  toGrpcLocalReply,
  upstreamTimeout,
} from '../../../../src/gateway/http/local-reply.ts';

async function shape(r: Response) {
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
}

describe('localReply', () => {
  it('text/plain for a body, no content-type when empty', async () => {
    expect(await shape(localReply(418, 'teapot'))).toEqual({ status: 418, body: 'teapot', type: 'text/plain' });
    expect(await shape(localReply(404))).toEqual({ status: 404, body: '', type: null });
    expect(localReply(404).body).toBeNull();
  });
  it('adds and lets extra headers override', async () => {
    const r = localReply(500, 'x', { 'x-request-id': 'id1', 'content-type': 'application/json' });
    expect(r.headers.get('x-request-id')).toBe('id1');
    expect(r.headers.get('content-type')).toBe('application/json');
    const r2 = localReply(500, 'x', [['a', '1']]);
    expect(r2.headers.get('a')).toBe('1');
  });
  it('null-body statuses carry no body', async () => {
    expect(await shape(localReply(204, 'ignored'))).toEqual({ status: 204, body: '', type: null });
    expect(localReply(304, 'x').body).toBeNull();
  });
});

describe("DESIGN.md's local reply table", () => {
  it.each([
    ['noRoute', noRoute(), 404, ''],
    ['clusterNotFound', clusterNotFound(), 503, ''],
    ['noHealthyUpstream', noHealthyUpstream(), 503, 'no healthy upstream'],
    ['overflow', overflow(), 503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow'],
    ['upstreamTimeout', upstreamTimeout(), 504, 'upstream request timeout'],
    ['connectFailure', connectFailure(), 503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure'],
    ['faultAbort(418)', faultAbort(418), 418, 'fault filter abort'],
    ['faultAbort(503)', faultAbort(503), 503, 'fault filter abort'],
    ['rbacDenied', rbacDenied(), 403, 'RBAC: access denied'],
    ['rateLimited', rateLimited(), 429, 'local_rate_limited'],
    ['blackHole', blackHole(), 502, ''],
    ['badRequest', badRequest(), 400, ''],
  ] as const)('%s', async (_n, r, status, body) => {
    expect(await shape(r)).toEqual({ status, body, type: body === '' ? null : 'text/plain' });
  });

  it('overflow carries x-envoy-overloaded: true, alongside extra headers', () => {
    expect(overflow().headers.get('x-envoy-overloaded')).toBe('true');
    const r = overflow({ 'x-request-id': 'r' });
    expect(r.headers.get('x-envoy-overloaded')).toBe('true');
    expect(r.headers.get('x-request-id')).toBe('r');
  });

  it('helpers take extra headers', () => {
    expect(noRoute({ 'x-request-id': 'a' }).headers.get('x-request-id')).toBe('a');
    expect(rbacDenied(new Headers({ b: '2' })).headers.get('b')).toBe('2');
    expect(badRequest('bad path', { c: '3' }).headers.get('c')).toBe('3');
    expect(faultAbort(500, { d: '4' }).headers.get('d')).toBe('4');
  });

  it('exposes the bodies', () => {
    expect(Object.isFrozen(LOCAL_REPLY_BODY)).toBe(true);
    expect(LOCAL_REPLY_BODY.rbacDenied).toBe('RBAC: access denied');
  });
});

describe('toGrpcLocalReply (Envoy sendLocalReply for gRPC)', () => {
  it('HTTP status → grpc-status as Envoy maps it; body → percent-encoded grpc-message; other headers kept; non-local responses untouched', async () => {
    const cases: [number, string][] = [[400, '13'], [401, '16'], [403, '7'], [404, '12'], [429, '14'], [502, '14'], [503, '14'], [504, '14'], [500, '2'], [418, '2']];
    for (const [http, grpc] of cases) expect(toGrpcLocalReply(localReply(http, 'x'))!.headers.get('grpc-status')).toBe(grpc);
    const r = toGrpcLocalReply(localReply(401, 'Jwt is expired: 100% ✓', { 'www-authenticate': 'Bearer' }))!;
    expect([r.status, r.headers.get('content-type'), r.headers.get('grpc-message'), r.headers.get('www-authenticate'), await r.text()]).toEqual([200, 'application/grpc', 'Jwt is expired: 100%25 %E2%9C%93', 'Bearer', '']);
    expect(toGrpcLocalReply(new Response('upstream', { status: 503 }))).toBeUndefined();
  });
});
