import { z } from 'zod';
import { labels } from '../../syntax/common.ts';

// networking.v1alpha3.WorkloadSelector `{labels}` (ServiceEntry, Sidecar) — not the
// `{matchLabels}` selector of DestinationRule and the security kinds.
export const labelsSelector = z.strictObject({ labels: labels.optional() }).superRefine((s, ctx) => {
  for (const [k, v] of Object.entries(s.labels ?? {})) {
    if (k === '') ctx.addIssue({ code: 'custom', path: ['labels'], message: 'empty key is not supported in selector' });
    if (k.includes('*') || v.includes('*')) ctx.addIssue({ code: 'custom', path: ['labels', k], message: 'wildcard is not supported in selector' });
  }
});
export type LabelsSelector = z.infer<typeof labelsSelector>;
