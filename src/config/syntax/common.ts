import { z } from 'zod';
import { isDNS1123Label, isDNS1123Subdomain } from './host.ts';

// Small shared field types of the Istio APIs.

export const port = z.number().int().min(1, 'port number must be in the range 1..65535').max(65535, 'port number must be in the range 1..65535');

export const portSelector = z.strictObject({ number: port });

export const stringMap = z.record(z.string(), z.string());

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes label map, as Istio checks it (pkg/config/labels). */
export const labels = z.record(z.string(), z.string()).superRefine((m, ctx) => {
  for (const [k, v] of Object.entries(m)) {
    if (k === '' || !LABEL_KEY.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `invalid label key "${k}"` });
    if (v.length > 63 || !LABEL_VALUE.test(v)) ctx.addIssue({ code: 'custom', path: [k], message: `invalid label value "${v}" for key "${k}"` });
  }
});

/** WorkloadSelector `{matchLabels}`: no wildcards, no empty keys, valid label syntax. */
export const workloadSelector = z.strictObject({ matchLabels: z.record(z.string(), z.string()).optional() }).superRefine((s, ctx) => {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) {
    if (k === '') ctx.addIssue({ code: 'custom', path: ['matchLabels'], message: 'empty key is not supported in selector' });
    else if (k.includes('*') || v.includes('*')) ctx.addIssue({ code: 'custom', path: ['matchLabels', k], message: 'wildcard is not supported in selector' });
    else {
      const r = labels.safeParse({ [k]: v });
      if (!r.success) ctx.addIssue({ code: 'custom', path: ['matchLabels', k], message: r.error.issues[0]!.message });
    }
  }
});

/** PolicyTargetReference (security and telemetry `targetRef(s)`). */
export const policyTargetReference = z.strictObject({
  group: z.string().optional(),
  kind: z.string(),
  name: z.string().min(1, 'targetRef name must be set'),
  namespace: z.string().optional(),
}).superRefine((r, ctx) => {
  if (r.namespace) ctx.addIssue({ code: 'custom', path: ['namespace'], message: 'cross namespace referencing is not supported' });
  const ok: Record<string, string[]> = { 'gateway.networking.k8s.io': ['Gateway', 'GatewayClass'], '': ['Service'], core: ['Service'], 'networking.istio.io': ['ServiceEntry'] };
  const kinds = ok[r.group ?? ''];
  if (!kinds?.includes(r.kind)) ctx.addIssue({ code: 'custom', path: ['kind'], message: `targetRef must be to one of Gateway/GatewayClass (gateway.networking.k8s.io), Service (core) or ServiceEntry (networking.istio.io), got ${r.group ?? ''}/${r.kind}` });
});

/** exportTo as Istio validates it (validation.go validateExportTo). */
export function exportTo(opts: { allowNone: boolean }) {
  return z.array(z.string()).superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const [i, e] of list.entries()) {
      if (seen.has(e)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate entry "${e}" in exportTo` });
      seen.add(e);
      if (e === '~' && !opts.allowNone) ctx.addIssue({ code: 'custom', path: [i], message: 'exportTo "~" is only allowed for ServiceEntry' });
      else if (!(e === '*' || e === '.' || e === '~' || isDNS1123Label(e))) ctx.addIssue({ code: 'custom', path: [i], message: `invalid exportTo value "${e}": use ".", "*"${opts.allowNone ? ', "~"' : ''} or a namespace name` });
    }
    if (seen.has('*') && seen.size > 1) ctx.addIssue({ code: 'custom', message: 'cannot have both public (*) and non-public exportTo values for a resource' });
    if (seen.has('~') && seen.size > 1) ctx.addIssue({ code: 'custom', message: 'cannot export service entry to no one (~) and someone' });
  });
}

export const dns1123Label = stringRule(isDNS1123Label, (v) => `"${v}" is not a valid DNS-1123 label (lowercase letters, digits and '-', at most 63)`);
export const dns1123Subdomain = stringRule(isDNS1123Subdomain, (v) => `"${v}" is not a valid DNS-1123 subdomain`);

/** Envoy header names: RFC 7230 token characters (lower-cased on the wire). */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const headerName = stringRule((v) => HEADER_NAME.test(v), (v) => `invalid header name "${v}"`);

/** A string rule whose message names the offending value. */
export function stringRule(pred: (v: string) => boolean, message: (v: string) => string) {
  return z.string().superRefine((v, ctx) => {
    if (!pred(v)) ctx.addIssue({ code: 'custom', message: message(v) });
  });
}
