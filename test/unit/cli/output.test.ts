import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { formatTable, render, renderResources } from '../../../src/cli/output.ts';

describe('output helpers', () => {
  test('table: upper-case header, padded columns, three spaces, no trailing blanks, <none> for empty', () => {
    const t = formatTable(['name', 'namespace', 'age'], [['reviews', 'default', '5m'], ['ratings-long-name', '', 12], ['x', 'istio-system', undefined]]);
    expect(t).toBe([
      'NAME                NAMESPACE      AGE',
      'reviews             default        5m',
      'ratings-long-name   <none>         12',
      'x                   istio-system   <none>',
      '',
    ].join('\n'));
    expect(formatTable(['name', 'hosts'], [])).toBe('NAME   HOSTS\n');
    expect(formatTable(['a', 'b'], [['✔', 'ok']])).toBe('A   B\n✔   ok\n');
  });

  test('yaml and json rendering; one resource alone, several as a List', () => {
    const obj = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'a' }, spec: { hosts: ['a'] } };
    expect(render(obj, 'json')).toBe('{\n  "apiVersion": "networking.istio.io/v1",\n  "kind": "VirtualService",\n  "metadata": {\n    "name": "a"\n  },\n  "spec": {\n    "hosts": [\n      "a"\n    ]\n  }\n}\n');
    expect(render(obj, 'yaml')).toBe('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: a\nspec:\n  hosts:\n    - a\n');
    expect(renderResources([obj], 'yaml', { single: true })).toBe(render(obj, 'yaml'));
    const list = parse(renderResources([obj, obj], 'yaml')) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items).toEqual([obj, obj]);
    expect(JSON.parse(renderResources([], 'json'))).toEqual({ apiVersion: 'v1', kind: 'List', items: [], metadata: { resourceVersion: '' } });
    // Shared sub-objects are written out, not as YAML anchors.
    const shared = { a: 1 };
    expect(render({ x: shared, z: shared }, 'yaml')).toBe('x:\n  a: 1\nz:\n  a: 1\n');
  });
});
