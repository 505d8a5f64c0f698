import { z } from 'zod';
import { defineKind } from '../types.ts';

// TODO(kind helper): MeshConfig (mesh/v1alpha1/config.proto) as meshgate reads it.
export const meshConfig = z.strictObject({});
export type MeshConfig = z.infer<typeof meshConfig>;

/** The `istio` ConfigMap in the root namespace; `data.mesh` holds MeshConfig YAML. */
export const meshConfigMap = defineKind({
  group: '',
  kind: 'ConfigMap',
  versions: ['v1'],
  plural: 'configmaps',
  shortNames: ['cm'],
  body: 'data',
  spec: z.strictObject({ mesh: z.string().optional() }),
});
