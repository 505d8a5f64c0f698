import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { celSyntaxError, type TelemetrySpec, type Tracing } from '../../../../src/config/kinds/telemetry/telemetry.ts';

const doc = (spec: string) => `apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata: {name: t, namespace: istio-system}\nspec:\n${spec}`;
const issues = (yaml: string) => loadManifest(yaml).issues.map((i) => [i.severity, i.path, i.message]);
const errors = (yaml: string) => loadManifest(yaml).issues.filter((i) => i.severity === 'error').map((i) => [i.path, i.message]);

describe('Telemetry', () => {
  test('tracing, metrics and access logging with every field load as written', () => {
    const r = loadManifest(doc(`  selector: {matchLabels: {app: reviews}}
  tracing:
  - match: {mode: CLIENT}
    providers: [{name: zipkin}]
    randomSamplingPercentage: 0.01
    disableSpanReporting: false
    customTags:
      a: {literal: {value: x}}
      b: {environment: {name: POD, defaultValue: d}}
      c: {header: {name: x-h}}
      d: {formatter: {value: "%REQ(:PATH)%"}}
    enableIstioTags: true
    disableContextPropagation: true
    useRequestIdForTraceSampling: false
  metrics:
  - providers: [{name: prometheus}]
    reportingInterval: 15s
    overrides:
    - match: {metric: GRPC_RESPONSE_MESSAGES, mode: SERVER}
      disabled: true
    - match: {customMetric: my_metric}
      tagOverrides: {x: {value: "request.host"}, y: {operation: REMOVE}}
  accessLogging:
  - match: {mode: CLIENT_AND_SERVER}
    providers: [{name: envoy}]
    disabled: false
    filter: {expression: "response.code >= 500"}
`));
    // Stored as written; the gateways do not apply Telemetry yet, which apply says (info).
    expect(r.issues.map((i) => [i.severity, i.path])).toEqual([['info', 'spec.tracing'], ['info', 'spec.metrics'], ['info', 'spec.accessLogging']]);
    expect(r.issues[0]!.message).toBe('tracing has no effect yet: the gateways propagate trace headers and sample 1% of new traces whatever it says');
    const t: Tracing = (r.resources[0]!.resource.spec as TelemetrySpec).tracing![0]!;
    expect(t.randomSamplingPercentage).toBe(0.01);
    expect(t.customTags?.d).toEqual({ formatter: { value: '%REQ(:PATH)%' } });
    expect(issues(doc('  {}\n'))).toEqual([]);
  });

  test('Istio validation rules at the offending field', () => {
    expect(errors(doc('  tracing: [{providers: [{name: ""}]}]\n'))).toEqual([['spec.tracing[0].providers[0].name', 'providers.name may not be empty']]);
    expect(errors(doc('  tracing: [{randomSamplingPercentage: -1}]\n'))).toEqual([['spec.tracing[0].randomSamplingPercentage', 'randomSamplingPercentage must be in range [0.0, 100.0]']]);
    expect(errors(doc('  tracing: [{customTags: {"": {literal: {value: a}}}}]\n'))).toEqual([['spec.tracing[0].customTags[""]', 'tag name may not be empty']]);
    expect(errors(doc('  tracing: [{customTags: {a: {literal: {value: ""}}, b: {header: {name: ""}}, c: {environment: {name: ""}}, d: {formatter: {value: ""}}}}]\n'))).toEqual([
      ['spec.tracing[0].customTags.a.literal.value', 'literal tag value may not be empty'],
      ['spec.tracing[0].customTags.b.header.name', 'header tag name may not be empty'],
      ['spec.tracing[0].customTags.c.environment.name', 'environment tag name may not be empty'],
      ['spec.tracing[0].customTags.d.formatter.value', 'formatter tag value may not be empty'],
    ]);
    expect(errors(doc('  tracing: [{customTags: {a: {}}}]\n'))).toEqual([['spec.tracing[0].customTags.a', 'custom tag must set one of literal, environment, header or formatter']]);
    expect(errors(doc('  metrics: [{overrides: [{tagOverrides: {a: {}}}]}]\n'))).toEqual([['spec.metrics[0].overrides[0].tagOverrides.a.value', 'tagOverrides.value must be set when operation is UPSERT']]);
    expect(errors(doc('  metrics: [{overrides: [{tagOverrides: {a: {operation: REMOVE, value: x}}}]}]\n'))).toEqual([['spec.metrics[0].overrides[0].tagOverrides.a.value', 'tagOverrides.value may only be set when operation is UPSERT']]);
    expect(errors(doc('  metrics: [{overrides: [{tagOverrides: {a: {operation: DELETE}}}]}]\n'))).toEqual([['spec.metrics[0].overrides[0].tagOverrides.a.operation', 'invalid value; expected one of "UPSERT", "REMOVE"']]);
    expect(errors(doc('  metrics: [{overrides: [{match: {customMetric: ""}}]}]\n'))).toEqual([['spec.metrics[0].overrides[0].match.customMetric', 'customMetric may not be empty']]);
    expect(errors(doc('  metrics: [{reportingInterval: 0.5ms}]\n'))).toEqual([['spec.metrics[0].reportingInterval', 'duration must be greater than 1ms']]);
    expect(errors(doc('  accessLogging: [{filter: {expression: "response.code >= (400"}}]\n'))).toEqual([['spec.accessLogging[0].filter.expression', "must be a valid CEL expression, unclosed '(' at column 18"]]);
    expect(errors(doc('  selector: {matchLabels: {app: a}}\n  targetRefs: [{kind: Service, name: a}]\n'))).toEqual([['spec.targetRefs', 'only one of targetRefs or workloadSelector can be set']]);
  });

  test('warnings: several tracing entries, several providers, empty tagOverride name', () => {
    const r = loadManifest(doc('  tracing:\n  - providers: [{name: a}, {name: b}]\n  - {}\n  metrics: [{overrides: [{tagOverrides: {"": {operation: REMOVE}}}]}]\n'));
    expect(r.resources).toHaveLength(1);
    expect(r.issues.map((i) => [i.severity, i.path, i.message])).toEqual([
      ['warning', 'spec.tracing', 'multiple tracing is not currently supported'],
      ['warning', 'spec.tracing[0].providers', 'multiple providers is not currently supported'],
      ['warning', 'spec.metrics[0].overrides[0].tagOverrides', 'tagOverrides.name may not be empty'],
      ['info', 'spec.tracing', 'tracing has no effect yet: the gateways propagate trace headers and sample 1% of new traces whatever it says'],
      ['info', 'spec.metrics', 'metrics has no effect yet: the gateways export no metrics yet'],
    ]);
  });

  test('CEL sanity check: accepts well-formed expressions, rejects obviously malformed ones', () => {
    for (const ok of [
      'response.code >= 400',
      "request.headers['x-debug'] == 'on' && !(response.code in [200, 204])",
      'has(request.auth.claims.sub) ? true : false',
      'request.url_path.startsWith("/api/") || {"a": 1}.size() > 0',
      "r'raw \\d+' == R\"x\\\"",
      "rb'\\x' != b''",
      '"""multi\nline""" != \'\'',
      "b'bytes' != b''",
      '"escaped \\" quote" == x',
      '-1 < response.code',
    ]) expect(celSyntaxError(ok), ok).toBeUndefined();
    expect(celSyntaxError('')).toBe('expression is empty');
    expect(celSyntaxError('a == (b')).toBe("unclosed '(' at column 6");
    expect(celSyntaxError('a == b)')).toBe("unexpected ')' at column 7");
    expect(celSyntaxError('[a, b)')).toBe("unexpected ')' at column 6");
    expect(celSyntaxError("a == 'b")).toBe('unterminated string literal starting at column 6');
    expect(celSyntaxError("'a\nb'")).toBe('unterminated string literal starting at column 1');
    expect(celSyntaxError('a ||')).toBe("expression ends with operator '||'");
    expect(celSyntaxError('&& a')).toBe("expression starts with operator '&&'");
    expect(celSyntaxError('"(" == a')).toBeUndefined();
    // in a raw string a backslash does not escape the quote
    expect(celSyntaxError("r'a\\' b'")).toBe('unterminated string literal starting at column 8');
  });
});
