import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): full schema from istio/api.
export const telemetrySpec = z.strictObject({});
export type TelemetrySpec = z.infer<typeof telemetrySpec>;

export const telemetry = defineKind({
  group: 'telemetry.istio.io',
  kind: 'Telemetry',
  versions: ['v1', 'v1alpha1'],
  plural: 'telemetries',
  shortNames: ['telemetry'],
  body: 'spec',
  spec: telemetrySpec,
});
