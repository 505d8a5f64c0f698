import { describe, expect, test } from 'vitest';
import { formatIssue } from '../../../../src/config/issues.ts';
import { run, withCode } from './helpers.ts';

// Analyzer findings point at the file, line and column of the field they are about, as schema
// errors do, so `meshgate analyze` output can be followed straight to the YAML.

describe('analyzer findings carry the source position', () => {
  test('a dangling destination host: file, line and column of that host', () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web.example.com]
  http:
  - route:
    - destination: {host: web.internal}
      weight: 50
    - destination:
        host: missing.internal
      weight: 50
`;
    const [f] = withCode(run(yaml), 'IST0101').filter((i) => i.path.endsWith('route[1].destination.host'));
    expect(f).toMatchObject({ source: 'test.yaml', path: 'spec.http[0].route[1].destination.host', line: 11, column: 15 });
    expect(formatIssue(f!)).toMatch(/^test\.yaml:11:15 VirtualService\/default\/web spec\.http\[0\]\.route\[1\]\.destination\.host: /);
  });

  test('in a later document of a stream, and in a List', () => {
    const vs = (name: string) => `{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: ${name}}, spec: {hosts: [a.example.com], http: [{route: [{destination: {host: nowhere.internal}}]}]}}`;
    const stream = run(`${vs('one')}\n---\n\n${vs('two')}\n`);
    const two = withCode(stream, 'IST0101').find((i) => i.name === 'two' && i.path.endsWith('destination.host'));
    expect(two).toMatchObject({ source: 'test.yaml', document: 1, line: 4 });
    const list = run(`apiVersion: v1\nkind: List\nitems:\n- ${vs('first')}\n- ${vs('second')}\n`);
    const second = withCode(list, 'IST0101').find((i) => i.name === 'second' && i.path.endsWith('destination.host'));
    expect(second).toMatchObject({ document: 1, line: 5 });
  });
});
