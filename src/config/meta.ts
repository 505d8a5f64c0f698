import { z } from 'zod';
import { labels, stringRule } from './syntax/common.ts';
import { isDNS1123Label, isDNS1123Subdomain } from './syntax/host.ts';

// Kubernetes ObjectMeta, as much of it as an Istio resource carries. Server-managed fields
// (resourceVersion, generation, uid, creationTimestamp) are accepted so `get -o yaml` output can
// be re-applied; the store sets them.
export const objectMeta = z.strictObject({
  name: stringRule(isDNS1123Subdomain, (v) => `invalid name "${v}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`),
  namespace: stringRule(isDNS1123Label, (v) => `invalid namespace "${v}": must be a DNS-1123 label`).optional(),
  labels: labels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().nullable().optional(),
  uid: z.string().optional(),
  // Tolerated so `kubectl get -o yaml` output pastes cleanly; never used.
  generateName: z.string().optional(),
  selfLink: z.string().optional(),
  managedFields: z.array(z.unknown()).optional(),
  ownerReferences: z.array(z.unknown()).optional(),
  finalizers: z.array(z.string()).optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: z.number().optional(),
});

export type ObjectMeta = z.infer<typeof objectMeta> & { namespace: string };

/** A validated, stored resource: canonical apiVersion (`<group>/v1`), namespace defaulted. */
export interface Resource<Spec = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
}

export const DEFAULT_NAMESPACE = 'default';
