import { expect, it } from 'vitest';
import { runFilters, type CompiledHttpFilter, type FilterContext } from '../../../../src/gateway/filters/chain.ts';

// The chain stays synchronous while filters answer synchronously, and keeps Envoy's order and
// stop-at-first-local-reply semantics when an asynchronous filter sits in the middle.
const ctx = {} as FilterContext;
const filter = (name: string, seen: string[], answer: 'pass' | 'deny', async = false): CompiledHttpFilter => ({
  name,
  onRequest() {
    seen.push(name);
    const out = answer === 'deny' ? new Response(name, { status: 403 }) : undefined;
    return async ? Promise.resolve(out) : out;
  },
});

it('all synchronous filters passing: undefined, no promise', () => {
  const seen: string[] = [];
  expect(runFilters([filter('a', seen, 'pass'), filter('b', seen, 'pass')], ctx)).toBeUndefined();
  expect(seen).toEqual(['a', 'b']);
});

it('a synchronous local reply stops the chain at once', async () => {
  const seen: string[] = [];
  const res = runFilters([filter('a', seen, 'deny'), filter('b', seen, 'pass')], ctx);
  expect(res).toBeInstanceOf(Response);
  expect(await (res as Response).text()).toBe('a');
  expect(seen).toEqual(['a']);
});

it('an asynchronous filter in the middle: later filters run after it, in order', async () => {
  const seen: string[] = [];
  const res = runFilters([filter('a', seen, 'pass'), filter('b', seen, 'pass', true), filter('c', seen, 'deny'), filter('d', seen, 'pass')], ctx);
  expect(res).toBeInstanceOf(Promise);
  expect(seen).toEqual(['a', 'b']); // c waits for b
  const out = await res;
  expect(await out!.text()).toBe('c');
  expect(seen).toEqual(['a', 'b', 'c']);
});

it('an asynchronous local reply stops the chain', async () => {
  const seen: string[] = [];
  const out = await runFilters([filter('a', seen, 'deny', true), filter('b', seen, 'pass')], ctx);
  expect(out?.status).toBe(403);
  expect(seen).toEqual(['a']);
});
