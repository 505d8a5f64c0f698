import { z } from 'zod';
import { defineKind } from '../types.ts';
import { labels } from '../../syntax/common.ts';
import { domainError, isIstioLabel, isIP } from '../../syntax/host.ts';

// WorkloadEntry (networking/v1alpha3/workload_entry.proto): a non-Kubernetes workload, also the
// shape of ServiceEntry `endpoints`. Rules of validation.go validateWorkloadEntry.
// https://istio.io/latest/docs/reference/config/networking/workload-entry/
//
// meshgate extension: `address` may be `worker:BINDING`, a Cloudflare service binding of the
// gateway worker (BINDING = [A-Za-z_][A-Za-z0-9_]*, e.g. `worker:REVIEWS_V1`), so a Worker can be a
// mesh workload without a public route. It is valid wherever an FQDN address is, and also under
// ServiceEntry STATIC resolution (where Istio wants an IP): a binding needs no DNS lookup.

const UNIX = 'unix://';
const WORKER = /^worker:[A-Za-z_][A-Za-z0-9_]*$/;

export const isWorkerAddress = (a: string) => WORKER.test(a);
export const isUnixAddress = (a: string) => a.startsWith(UNIX);

/** Why a `unix://` address is invalid (agent ValidateUnixAddress), or undefined. */
export function unixAddressError(a: string): string | undefined {
  const path = a.slice(UNIX.length);
  if (path === '') return 'unix address must not be empty';
  if (path.startsWith('@')) return undefined; // Linux abstract namespace
  return path.startsWith('/') ? undefined : `${path} is not an absolute path`;
}

/** An FQDN as Istio's ValidateFQDN checks it (no wildcards). */
export const isFQDN = (a: string) => !a.includes('*') && domainError(a, { partialWildcard: false }) === undefined;

export type AddressKind = 'empty' | 'ip' | 'unix' | 'worker' | 'fqdn' | 'invalid';
export function addressKind(a: string | undefined): AddressKind {
  if (!a) return 'empty';
  if (isIP(a)) return 'ip';
  if (isUnixAddress(a)) return 'unix';
  if (a.startsWith('worker:')) return isWorkerAddress(a) ? 'worker' : 'invalid';
  return isFQDN(a) ? 'fqdn' : 'invalid';
}

/** Port names (keys) are service port names; values override the service's targetPort. */
const ports = z.record(z.string(), z.number().int()).superRefine((m, ctx) => {
  for (const [name, p] of Object.entries(m)) {
    if (!isIstioLabel(name)) ctx.addIssue({ code: 'custom', path: [name], message: `invalid port name: ${name}` });
    if (p < 1 || p > 65535) ctx.addIssue({ code: 'custom', path: [name], message: `port number ${p} must be in the range 1..65535` });
  }
});

export const workloadEntrySpec = z
  .strictObject({
    /** IP, FQDN (DNS resolution), `unix:///abs/path` or `unix://@abstract`, or meshgate `worker:BINDING`. */
    address: z.string().max(256).optional(),
    ports: ports.optional(),
    labels: labels.optional(),
    /** L3 network id; an entry with no address must name one. */
    network: z.string().optional(),
    /** `region/zone/subzone`. */
    locality: z.string().optional(),
    /** Load-balancing weight. */
    weight: z.number().int().min(0).max(4294967295).optional(),
    serviceAccount: z.string().optional(),
  })
  .superRefine((we, ctx) => {
    const addr = we.address ?? '';
    switch (addressKind(addr)) {
      case 'empty':
        if (!we.network) ctx.addIssue({ code: 'custom', path: ['address'], message: 'address is required' });
        break;
      case 'unix': {
        const err = unixAddressError(addr);
        if (err) ctx.addIssue({ code: 'custom', path: ['address'], message: err });
        if (we.ports && Object.keys(we.ports).length) ctx.addIssue({ code: 'custom', path: ['ports'], message: `unix endpoint ${addr} must not include ports` });
        break;
      }
      case 'invalid':
        ctx.addIssue({
          code: 'custom',
          path: ['address'],
          message: addr.startsWith('worker:') ? `endpoint address "${addr}" is not a valid worker binding (worker:NAME, NAME = [A-Za-z_][A-Za-z0-9_]*)` : `endpoint address "${addr}" is not a valid FQDN or an IP address`,
        });
        break;
      default:
    }
  });
export type WorkloadEntrySpec = z.infer<typeof workloadEntrySpec>;

export const workloadEntry = defineKind({
  group: 'networking.istio.io',
  kind: 'WorkloadEntry',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'workloadentries',
  shortNames: ['we'],
  body: 'spec',
  spec: workloadEntrySpec,
  check: (r, report) => {
    if (!r.spec.address && r.spec.network) report(['spec', 'network'], `address is unset with network ${r.spec.network}`, 'warning');
  },
});
