import { describe, expect, test } from 'vitest';
import { compileAction } from '../../../../src/gateway/router/compile-action.ts';
import { applyHeaderOps, compileHeaderOps } from '../../../../src/gateway/router/header-ops.ts';
import { drawFault } from '../../../../src/gateway/filters/fault.ts';
import { compileRouteConfiguration } from '../../../../src/gateway/routing/index.ts';
import { HeaderMap } from '../../../../src/gateway/http/header-map.ts';
import { testRuntime } from '../../../../src/gateway/runtime.ts';
import { FILTER } from '../../../../src/xds/filters/http-filters.ts';
import { HTTP_FAULT_TYPE } from '../../../../src/xds/filters/fault.ts';
import type { Route } from '../../../../src/xds/resources/route.ts';

// What a route compiles to: anything a request could not be answered with fails the snapshot
// (NACK, the last good one keeps serving) instead of failing every request that matches.

const direct = (status: number, body?: Route['direct_response'] extends infer D ? (D extends { body?: infer B } ? B : never) : never): Route => ({ name: 'd', match: { prefix: '/' }, direct_response: { status, ...(body ? { body } : {}) } });

describe('direct_response', () => {
  test('bytes are decoded once; a null-body status drops the body', () => {
    expect(compileAction(direct(200, { inline_bytes: btoa('hi') }), 'vh').direct).toEqual({ status: 200, body: new Uint8Array([104, 105]) });
    expect(compileAction(direct(204, { inline_string: 'ignored' }), 'vh').direct).toEqual({ status: 204, body: null });
    const res = new Response(compileAction(direct(304, { inline_string: 'x' }), 'vh').direct!.body, { status: 304 });
    expect(res.status).toBe(304);
  });

  test('a status the runtime cannot answer, or bytes that are not base64, fail the compile', () => {
    expect(() => compileAction(direct(100), 'vh')).toThrow('route d: direct_response status 100 cannot be answered (200–599)');
    expect(() => compileAction(direct(200, { inline_bytes: '***' }), 'vh')).toThrow('route d: direct_response body.inline_bytes is not base64');
  });
});

describe('fault abort', () => {
  test('a null-body status aborts without a body; others with Envoy\'s', async () => {
    const fault = (status: number) => compileAction({ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { [FILTER.fault]: { '@type': HTTP_FAULT_TYPE, abort: { http_status: status, percentage: { numerator: 100, denominator: 'HUNDRED' } } } } }, 'vh').fault!;
    const empty = drawFault(fault(204), testRuntime(1)).abort!;
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const teapot = drawFault(fault(418), testRuntime(1)).abort!;
    expect([teapot.status, await teapot.text()]).toEqual([418, 'fault filter abort']);
    expect(() => fault(600)).toThrow();
  });
});

describe('header operations and matchers', () => {
  test('an invalid header name or value fails the compile', () => {
    expect(() => compileHeaderOps([{ header: { key: 'bad name', value: 'v' } }], undefined)).toThrow('header operation: "bad name" is not a valid header name');
    expect(() => compileHeaderOps([{ header: { key: 'x-ok', value: 'a\r\nb' } }], undefined)).toThrow('may not contain NUL, CR or LF');
    expect(() => compileHeaderOps(undefined, ['bad:name'])).toThrow('not a valid header name');
    expect(() => compileRouteConfiguration({ name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', headers: [{ name: 'bad name', present_match: true }] }, route: { cluster: 'c' } }] }] })).toThrow('not a valid header name');
  });

  test('OVERWRITE_IF_EXISTS replaces a header that is there and adds none', () => {
    const ops = compileHeaderOps([{ header: { key: 'x-a', value: 'new' }, append_action: 'OVERWRITE_IF_EXISTS' }], undefined);
    const present = HeaderMap.from(new Headers({ 'x-a': 'old' }));
    applyHeaderOps(ops, present);
    expect(present.get('x-a')).toBe('new');
    const absent = HeaderMap.from(new Headers());
    applyHeaderOps(ops, absent);
    expect(absent.has('x-a')).toBe(false);
  });
});
