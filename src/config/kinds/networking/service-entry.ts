import { z } from 'zod';
import { defineKind } from '../types.ts';
import { exportTo } from '../../syntax/common.ts';
import { domainError, isCIDROrIP } from '../../syntax/host.ts';
import { checkExportTo } from './destination-rule.ts';
import { isHTTPProtocol, isTLSProtocol, parseProtocol, servicePort } from './se-port.ts';
import { labelsSelector } from './se-workload-selector.ts';
import { addressKind, workloadEntrySpec } from './workload-entry.ts';

// ServiceEntry (networking/v1alpha3/service_entry.proto): adds hosts to the mesh's registry.
// Rules of validation.go validateServiceEntry. Defaults: location MESH_EXTERNAL, resolution NONE.
// https://istio.io/latest/docs/reference/config/networking/service-entry/
//
// meshgate: an endpoint `address` may be `worker:BINDING` (see workload-entry.ts), accepted
// wherever an FQDN is and also under STATIC resolution.

export const serviceEntryHost = z.string().superRefine((h, ctx) => {
  if (h === '*') return void ctx.addIssue({ code: 'custom', message: 'invalid host *' });
  const err = domainError(h, { partialWildcard: true });
  if (err) ctx.addIssue({ code: 'custom', message: err });
});

const address = z.string().superRefine((a, ctx) => {
  if (!isCIDROrIP(a)) ctx.addIssue({ code: 'custom', message: `invalid IP address or CIDR "${a}"` });
});

export const resolution = z.enum(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']);
const DYNAMIC_DNS_PROTOCOLS = ['HTTP', 'TLS', 'GRPC', 'HTTP2'];

export const serviceEntrySpec = z
  .strictObject({
    /** Required, 1–256. */
    hosts: z.array(serviceEntryHost).max(256),
    /** VIPs or CIDRs (CIDR only for NONE/STATIC); empty ⇒ matched by port only. */
    addresses: z.array(address).optional(),
    ports: z.array(servicePort).optional(),
    location: z.enum(['MESH_EXTERNAL', 'MESH_INTERNAL']).optional(),
    resolution: resolution.optional(),
    endpoints: z.array(workloadEntrySpec).max(4096).optional(),
    workloadSelector: labelsSelector.optional(),
    exportTo: exportTo({ allowNone: true }).optional(),
    subjectAltNames: z.array(z.string()).optional(),
  })
  .superRefine((se, ctx) => {
    const res = se.resolution ?? 'NONE';
    const hosts = se.hosts ?? [];
    const ports = se.ports ?? [];
    const endpoints = se.endpoints ?? [];
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (hosts.length === 0) issue(['hosts'], 'service entry must have at least one host');
    if (se.addresses?.some((a) => a.includes('/')) && res !== 'NONE' && res !== 'STATIC') {
      issue(['addresses'], 'CIDR addresses are allowed only for NONE/STATIC resolution types');
    }
    const names = new Set<string>();
    const numbers = new Set<number>();
    for (const [i, p] of ports.entries()) {
      if (names.has(p.name)) issue(['ports', i, 'name'], `service entry port name "${p.name}" already defined`);
      if (numbers.has(p.number)) issue(['ports', i, 'number'], `service entry port ${p.number} already defined`);
      names.add(p.name);
      numbers.add(p.number);
    }
    if (se.workloadSelector && se.endpoints) issue(['workloadSelector'], 'only one of WorkloadSelector or Endpoints is allowed in Service Entry');
    const endpointPorts = () => {
      for (const [i, ep] of endpoints.entries()) {
        for (const name of Object.keys(ep.ports ?? {})) {
          if (!names.has(name)) issue(['endpoints', i, 'ports', name], `endpoint port ${name} is not defined by the service entry`);
        }
      }
    };
    switch (res) {
      case 'NONE':
        if (endpoints.length) issue(['endpoints'], 'no endpoints should be provided for resolution type none');
        break;
      case 'STATIC':
        for (const [i, ep] of endpoints.entries()) {
          const kind = addressKind(ep.address);
          // 'invalid' is already reported by the endpoint's own schema.
          if (kind !== 'ip' && kind !== 'unix' && kind !== 'worker' && kind !== 'invalid') issue(['endpoints', i, 'address'], `endpoint address "${ep.address ?? ''}" is not a valid IP address`);
          if (kind === 'unix' && ports.length !== 1) issue(['endpoints', i, 'address'], 'exactly 1 service port required for unix endpoints');
        }
        endpointPorts();
        break;
      case 'DNS':
      case 'DNS_ROUND_ROBIN':
        if (endpoints.length === 0) {
          for (const [i, h] of hosts.entries()) {
            const name = h.startsWith('*.') ? h.slice(2) : h;
            if (name.includes('*')) issue(['hosts', i], `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${res}`);
          }
        }
        if (res === 'DNS_ROUND_ROBIN' && endpoints.length > 1) issue(['endpoints'], `there must only be 0 or 1 endpoint for resolution mode ${res}`);
        for (const [i, ep] of endpoints.entries()) {
          if (addressKind(ep.address) === 'unix') issue(['endpoints', i, 'address'], `endpoint address "${ep.address}" is not a valid FQDN or an IP address`);
        }
        endpointPorts();
        break;
      case 'DYNAMIC_DNS':
        for (const [i, h] of hosts.entries()) if (!h.startsWith('*')) issue(['hosts', i], `DYNAMIC_DNS host must be wildcarded: ${h}`);
        if (se.addresses?.length) issue(['addresses'], 'addresses are not supported for DYNAMIC_DNS resolution');
        if (endpoints.length) issue(['endpoints'], 'endpoints are not supported for DYNAMIC_DNS resolution');
        for (const [i, p] of ports.entries()) {
          if (!DYNAMIC_DNS_PROTOCOLS.includes(parseProtocol(p.protocol))) issue(['ports', i, 'protocol'], `DYNAMIC_DNS resolution only supports ${DYNAMIC_DNS_PROTOCOLS.join(', ')} ports, got "${p.protocol ?? ''}"`);
        }
        break;
    }
    if (res !== 'NONE' && hosts.length > 1) {
      const i = ports.findIndex((p) => !isHTTPProtocol(parseProtocol(p.protocol)) && !isTLSProtocol(parseProtocol(p.protocol)));
      if (i >= 0) issue(['ports', i, 'protocol'], 'multiple hosts provided with non-HTTP, non-TLS ports');
    }
  });
export type ServiceEntrySpec = z.infer<typeof serviceEntrySpec>;

export const serviceEntry = defineKind({
  group: 'networking.istio.io',
  kind: 'ServiceEntry',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'serviceentries',
  shortNames: ['se'],
  body: 'spec',
  spec: serviceEntrySpec,
  check: (r, report) => {
    const spec = r.spec;
    checkExportTo(spec.exportTo, r.metadata.namespace, ['spec', 'exportTo'], report, { selector: false });
    if (spec.resolution !== 'DYNAMIC_DNS') {
      for (const [i, h] of spec.hosts.entries()) {
        if (h.startsWith('*') && h !== '*' && !h.startsWith('*.')) report(['spec', 'hosts', i], `host "${h}" has a partial wildcard; only "*." prefixes match as wildcards`, 'warning');
      }
    }
    if (!spec.addresses?.length) {
      for (const [i, p] of (spec.ports ?? []).entries()) {
        const proto = parseProtocol(p.protocol);
        if (!p.protocol || proto === 'TCP') report(['spec', 'ports', i, 'protocol'], 'addresses are required for ports serving TCP (or unset) protocol when ISTIO_META_DNS_AUTO_ALLOCATE is not set on a proxy', 'warning');
      }
    }
  },
});

export type { ServicePort } from './se-port.ts';
export type { WorkloadEntrySpec } from './workload-entry.ts';
export type { LabelsSelector } from './se-workload-selector.ts';
