import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';
import { HEADER_NAME, labels } from '../../syntax/common.ts';

// LoadBalancerSettings (destination_rule.proto) and the rules of validation.go
// validateLoadBalancer / validateLocalityLbSetting. Defaults, applied by the translator:
// `simple` unset or UNSPECIFIED ⇒ LEAST_REQUEST; consistent hash ⇒ RingHash (minimumRingSize 1024);
// maglev tableSize 65537; warmup minimumPercent 10, aggression 1.0.
// https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings

const uint32 = z.number().int().min(0).max(4294967295);
const uint64 = z.number().int().min(0);

/** `LEAST_CONN` is Istio's deprecated alias of LEAST_REQUEST; still accepted. */
export const simpleLB = z.enum(['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST']);

const cookieAttribute = z.strictObject({ name: z.string(), value: z.string().optional() });

const httpCookie = z
  .strictObject({
    name: z.string().optional(),
    path: z.string().optional(),
    // `0s` = session cookie; no ≥1ms rule here (proto: duration-validation:none).
    ttl: duration({ allowZero: true }).optional(),
    attributes: z.array(cookieAttribute).optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'name required for HttpCookie' });
    // Written into the generated Set-Cookie as it is: a `;` would add attributes nobody wrote.
    else if (!HEADER_NAME.test(c.name)) ctx.addIssue({ code: 'custom', path: ['name'], message: `cookie name ${JSON.stringify(c.name)} must be an HTTP token` });
    const seen = new Set<string>();
    for (const [i, a] of (c.attributes ?? []).entries()) {
      if (a.name === '') ctx.addIssue({ code: 'custom', path: ['attributes', i, 'name'], message: 'cookie attribute name cannot be empty' });
      else if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: ['attributes', i, 'name'], message: `duplicate cookie attribute name: ${a.name}` });
      // meshgate writes attributes into the generated Set-Cookie as they are: a `;` or control
      // character would smuggle in attributes (Domain=…) the operator never wrote.
      else if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(a.name)) ctx.addIssue({ code: 'custom', path: ['attributes', i, 'name'], message: `cookie attribute name ${JSON.stringify(a.name)} must be an HTTP token` });
      if (a.value !== undefined && !/^[\x20-\x3a\x3c-\x7e]*$/.test(a.value)) ctx.addIssue({ code: 'custom', path: ['attributes', i, 'value'], message: `cookie attribute value ${JSON.stringify(a.value)} must not contain ';' or control characters` });
      seen.add(a.name);
    }
  });

const MAGLEV_MAX = 5000011;
function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

const maglev = z.strictObject({ tableSize: uint64.optional() }).superRefine((m, ctx) => {
  const n = m.tableSize ?? 0;
  const path = ['tableSize'];
  if (n === 0) ctx.addIssue({ code: 'custom', path, message: 'tableSize must be set for maglev' });
  else if (n >= MAGLEV_MAX) ctx.addIssue({ code: 'custom', path, message: `tableSize must be less than ${MAGLEV_MAX} for maglev` });
  else if (!isPrime(n)) ctx.addIssue({ code: 'custom', path, message: 'tableSize must be a prime number for maglev' });
});

export const consistentHashLB = z
  .strictObject({
    // hash key: oneof
    httpHeaderName: z.string().optional(),
    httpCookie: httpCookie.optional(),
    useSourceIp: z.boolean().optional(),
    httpQueryParameterName: z.string().optional(),
    // hash algorithm: oneof (default RingHash)
    ringHash: z.strictObject({ minimumRingSize: uint64.optional() }).optional(),
    maglev: maglev.optional(),
    /** Deprecated: use ringHash.minimumRingSize. */
    minimumRingSize: uint64.optional(),
  })
  .superRefine((h, ctx) => {
    // Istio checks no more; the Workers runtime reads RFC 9110 token header names only.
    if (h.httpHeaderName !== undefined && !HEADER_NAME.test(h.httpHeaderName)) ctx.addIssue({ code: 'custom', path: ['httpHeaderName'], message: `invalid header name ${JSON.stringify(h.httpHeaderName)}: a header name is an RFC 9110 token` });
    const keys = (['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const).filter((k) => h[k] !== undefined);
    if (keys.length > 1) ctx.addIssue({ code: 'custom', path: [keys[1]!], message: `only one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName may be set (got ${keys.join(', ')})` });
    if (h.ringHash && h.maglev) ctx.addIssue({ code: 'custom', path: ['maglev'], message: 'only one of ringHash or maglev may be set' });
    if (h.minimumRingSize && (h.ringHash || h.maglev)) ctx.addIssue({ code: 'custom', path: ['minimumRingSize'], message: 'only one of MinimumRingSize or Maglev/Ringhash can be specified' });
  });
export type ConsistentHashLB = z.infer<typeof consistentHashLB>;

/** `region/zone/subzone`, `*` allowed only as the whole last segment. */
function localityError(loc: string): string | undefined {
  if (loc === '') return 'locality must not be empty';
  const parts = loc.split('/');
  if (parts.length > 3) return `locality ${loc} must be of the form region/zone/subzone`;
  for (const [i, p] of parts.entries()) {
    if (p === '') return `locality ${loc} must not have empty segments`;
    if (p.includes('*') && (p !== '*' || i !== parts.length - 1)) return `locality ${loc} wildcard '*' must be in the last segment`;
  }
  return undefined;
}

const failover = z.strictObject({ from: z.string().optional(), to: z.string().optional() }).superRefine((f, ctx) => {
  const from = f.from ?? '';
  const to = f.to ?? '';
  if (from === to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'locality lb failover settings must specify different regions' });
  if (from.includes('/') || to.includes('/')) ctx.addIssue({ code: 'custom', message: 'locality lb failover only specify region' });
  if (from.includes('*') || to.includes('*')) ctx.addIssue({ code: 'custom', message: "locality lb failover region should not contain '*' wildcard" });
});

/** failoverPriority entries are label keys, or `key=value`. */
const failoverPriority = z.array(z.string()).superRefine((list, ctx) => {
  for (const [i, e] of list.entries()) {
    const eq = e.indexOf('=');
    const [key, value] = eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)];
    if (!labels.safeParse({ [key]: value }).success) ctx.addIssue({ code: 'custom', path: [i], message: `invalid failoverPriority label "${e}"` });
  }
});

const distribute = z.strictObject({ from: z.string().optional(), to: z.record(z.string(), uint32).optional() }).superRefine((d, ctx) => {
  const fromErr = localityError(d.from ?? '');
  if (fromErr) ctx.addIssue({ code: 'custom', path: ['from'], message: fromErr });
  let total = 0;
  for (const [loc, w] of Object.entries(d.to ?? {})) {
    if (w < 1 || w > 100) ctx.addIssue({ code: 'custom', path: ['to', loc], message: 'locality weight must be in range [1, 100]' });
    const err = localityError(loc);
    if (err) ctx.addIssue({ code: 'custom', path: ['to', loc], message: err });
    total += w;
  }
  if (total !== 100) ctx.addIssue({ code: 'custom', path: ['to'], message: `total locality weight ${total} != 100` });
});

export const localityLoadBalancerSetting = z
  .strictObject({
    distribute: z.array(distribute).optional(),
    failover: z.array(failover).optional(),
    failoverPriority: failoverPriority.optional(),
    /** Overrides the mesh-wide setting when set. */
    enabled: z.boolean().optional(),
  })
  .superRefine((l, ctx) => {
    if (l.distribute?.length && l.failover?.length) ctx.addIssue({ code: 'custom', path: ['failover'], message: "can not simultaneously specify 'distribute' and 'failover'" });
    if (l.distribute?.length && l.failoverPriority?.length) ctx.addIssue({ code: 'custom', path: ['failoverPriority'], message: "can not simultaneously specify 'distribute' and 'failoverPriority'" });
  });
export type LocalityLoadBalancerSetting = z.infer<typeof localityLoadBalancerSetting>;

// Envoy zone-aware routing (istio/api#3733, Istio 1.31): no `distribute`; failoverPriority may
// not name the region/zone/subzone topology labels, which zone-aware routing partitions by itself.
const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];
export const zoneAwareLoadBalancerSetting = z
  .strictObject({
    enabled: z.boolean().optional(),
    failover: z.array(failover).optional(),
    failoverPriority: failoverPriority.optional(),
    /** Minimum upstream hosts (same region, all zones) for zone-aware routing to apply. */
    minClusterSize: uint64.optional(),
  })
  .superRefine((s, ctx) => {
    for (const [i, e] of (s.failoverPriority ?? []).entries()) {
      if (TOPOLOGY_LABELS.includes(e.split('=')[0]!)) ctx.addIssue({ code: 'custom', path: ['failoverPriority', i], message: `failoverPriority cannot use topology label ${e.split('=')[0]} with zone aware load balancing` });
    }
  });
export type ZoneAwareLoadBalancerSetting = z.infer<typeof zoneAwareLoadBalancerSetting>;

const warmup = z
  .strictObject({
    duration: duration().optional(),
    minimumPercent: z.number().optional(),
    aggression: z.number().optional(),
  })
  .superRefine((w, ctx) => {
    if (w.duration === undefined) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'duration is required' });
    if (w.minimumPercent !== undefined && !(w.minimumPercent >= 0 && w.minimumPercent <= 100)) ctx.addIssue({ code: 'custom', path: ['minimumPercent'], message: 'minimumPercent value should be between 0 and 100' });
    if (w.aggression !== undefined && !(w.aggression > 0)) ctx.addIssue({ code: 'custom', path: ['aggression'], message: 'aggression should be greater than 0' });
  });
export type WarmupConfiguration = z.infer<typeof warmup>;

export const loadBalancerSettings = z
  .strictObject({
    simple: simpleLB.optional(),
    consistentHash: consistentHashLB.optional(),
    localityLbSetting: localityLoadBalancerSetting.optional(),
    zoneAwareLbSetting: zoneAwareLoadBalancerSetting.optional(),
    /** Deprecated: use `warmup`. */
    warmupDurationSecs: duration().optional(),
    warmup: warmup.optional(),
  })
  .superRefine((lb, ctx) => {
    if (lb.simple !== undefined && lb.consistentHash) ctx.addIssue({ code: 'custom', path: ['consistentHash'], message: 'only one of simple or consistentHash may be set' });
    if (lb.localityLbSetting && lb.zoneAwareLbSetting) ctx.addIssue({ code: 'custom', path: ['zoneAwareLbSetting'], message: 'only one of localityLbSetting or zoneAwareLbSetting can be specified' });
  });
export type LoadBalancerSettings = z.infer<typeof loadBalancerSettings>;
