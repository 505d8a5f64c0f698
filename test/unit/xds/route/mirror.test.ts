import { describe, expect, test } from 'vitest';
import { meshConfig, translate } from './helpers.ts';

// Mirroring (Istio route.go MirrorPercent, MirrorPercentByPolicy, TranslateRequestMirrorPolicy).

const route = `    route: [{destination: {host: a.example.com}}]`;

describe('request mirror policies', () => {
  test('mirror without a percentage mirrors everything (no runtime_fraction), Host suffix -shadow, cluster recorded', () => {
    const { routes, tx } = translate(`  - mirror: {host: shadow.example.com, subset: v2}\n${route}`);
    expect(routes[0]!.route!.request_mirror_policies).toEqual([{ cluster: 'outbound|80|v2|shadow.example.com', trace_sampled: false, 'meshgate.host_suffix': '-shadow' }]);
    expect(tx.clusters.get('outbound|80|v2|shadow.example.com')).toEqual({ host: 'shadow.example.com', port: 80, subset: 'v2' });
  });

  test('mirrorPercentage and the deprecated mirrorPercent become parts per million; 0 mirrors nothing', () => {
    const pct = (field: string) => translate(`  - mirror: {host: shadow.example.com}\n    ${field}\n${route}`).routes[0]!.route!.request_mirror_policies;
    expect(pct('mirrorPercentage: {value: 12.5}')).toEqual([
      { cluster: 'outbound|80||shadow.example.com', runtime_fraction: { default_value: { numerator: 125000, denominator: 'MILLION' } }, trace_sampled: false, 'meshgate.host_suffix': '-shadow' },
    ]);
    expect(pct('mirrorPercent: 30')![0]!.runtime_fraction).toEqual({ default_value: { numerator: 300000, denominator: 'MILLION' } });
    expect(pct('mirrorPercentage: {value: 0}')).toBeUndefined();
  });

  test('mirrors[]: one policy each, in order, own percentage; the mesh can turn the -shadow suffix off', () => {
    const { routes } = translate(
      `  - mirrors:
    - destination: {host: m1.example.com, port: {number: 8080}}
    - destination: {host: m2.example.com}
      percentage: {value: 5}
    - destination: {host: m3.example.com}
      percentage: {value: 0}
${route}`,
      meshConfig('meshgate: {mirrorHostSuffix: false}'),
    );
    expect(routes[0]!.route!.request_mirror_policies).toEqual([
      { cluster: 'outbound|8080||m1.example.com', trace_sampled: false },
      { cluster: 'outbound|80||m2.example.com', runtime_fraction: { default_value: { numerator: 50000, denominator: 'MILLION' } }, trace_sampled: false },
    ]);
  });
});
