import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_ID_LENGTH, REQUEST_ID_HEADER, ensureRequestId, isValidRequestId } from '../../../../src/gateway/http/request-id.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('isValidRequestId', () => {
  it.each(['fceb3265-4be8-45f0-b410-e4b5ccc39dd4', 'f5ae2621ffff2e7d5000bb8f04ef278a', '01HZX3J5K7', 'req_abc.1:2+3=/~', 'x'])('accepts %s', (v) =>
    expect(isValidRequestId(v)).toBe(true),
  );
  it.each(['', ' ', 'a b', 'a\tb', 'a\u0000b', 'a\nb', 'a\u007f', 'é', '<script>', 'a,b', 'a;b', '"x"', 'x'.repeat(MAX_REQUEST_ID_LENGTH + 1)])(
    'rejects %j',
    (v) => expect(isValidRequestId(v)).toBe(false),
  );
  it('accepts the maximum length and non-strings are invalid', () => {
    expect(isValidRequestId('a'.repeat(MAX_REQUEST_ID_LENGTH))).toBe(true);
    expect(isValidRequestId(null)).toBe(false);
    expect(isValidRequestId(undefined)).toBe(false);
  });
});

describe('ensureRequestId', () => {
  it('keeps a valid incoming id', () => {
    const h = new Headers({ [REQUEST_ID_HEADER]: 'fceb3265-4be8-45f0-b410-e4b5ccc39dd4' });
    expect(ensureRequestId(h)).toEqual({ id: 'fceb3265-4be8-45f0-b410-e4b5ccc39dd4', generated: false });
    expect(h.get('x-request-id')).toBe('fceb3265-4be8-45f0-b410-e4b5ccc39dd4');
  });

  it('trims surrounding whitespace of a kept id', () => {
    // Headers already trims leading/trailing whitespace; an inner space is invalid.
    const h = new Headers({ 'x-request-id': '  abc-1  ' });
    expect(ensureRequestId(h)).toEqual({ id: 'abc-1', generated: false });
    expect(h.get('x-request-id')).toBe('abc-1');
  });

  it('generates a UUID v4 when absent and sets it on the headers', () => {
    const h = new Headers();
    const r = ensureRequestId(h);
    expect(r.generated).toBe(true);
    expect(r.id).toMatch(UUID_V4);
    expect(h.get('x-request-id')).toBe(r.id);
    expect(ensureRequestId(new Headers()).id).not.toBe(r.id);
  });

  it.each(['has space', 'x'.repeat(200), '<x>', ''])('replaces an invalid incoming id %j', (bad) => {
    const h = new Headers({ 'x-request-id': bad });
    const r = ensureRequestId(h, { generate: () => 'gen-1' });
    expect(r).toEqual({ id: 'gen-1', generated: true });
    expect(h.get('x-request-id')).toBe('gen-1');
  });

  it('preserveExternal: false always generates', () => {
    const h = new Headers({ 'x-request-id': 'client-chosen' });
    expect(ensureRequestId(h, { preserveExternal: false, generate: () => 'g' })).toEqual({ id: 'g', generated: true });
    expect(h.get('x-request-id')).toBe('g');
  });
});
