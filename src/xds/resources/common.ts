import { z } from 'zod';

// Envoy v3 building blocks in proto3 JSON form with the original (snake_case) field names, as
// `istioctl proxy-config … -o json` and Envoy's config_dump print them.

/** envoy.type.matcher.v3.StringMatcher */
export const StringMatcher = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  contains: z.string().optional(),
  safe_regex: z.strictObject({ regex: z.string() }).optional(),
  ignore_case: z.boolean().optional(),
});
export type StringMatcher = z.infer<typeof StringMatcher>;

/** envoy.type.v3.FractionalPercent */
export const FractionalPercent = z.strictObject({
  numerator: z.number().int().min(0),
  denominator: z.enum(['HUNDRED', 'TEN_THOUSAND', 'MILLION']),
});
export type FractionalPercent = z.infer<typeof FractionalPercent>;

/** envoy.config.core.v3.RuntimeFractionalPercent (only the default value is used). */
export const RuntimeFractionalPercent = z.strictObject({ default_value: FractionalPercent });

/** envoy.config.core.v3.HeaderValueOption */
export const HeaderValueOption = z.strictObject({
  header: z.strictObject({ key: z.string(), value: z.string() }),
  append_action: z.enum(['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS']).optional(),
});
export type HeaderValueOption = z.infer<typeof HeaderValueOption>;

/** envoy.config.core.v3.SocketAddress; `worker:BINDING` addresses name a service binding (meshgate). */
export const SocketAddress = z.strictObject({ address: z.string(), port_value: z.number().int().min(0).max(65535) });
export const Address = z.strictObject({ socket_address: SocketAddress });
export type Address = z.infer<typeof Address>;

/** A typed extension config: `{"@type": "type.googleapis.com/…", …}`. */
export const TypedConfig = z.looseObject({ '@type': z.string() });
export type TypedConfig = z.infer<typeof TypedConfig>;

/** envoy.config.core.v3.Metadata */
export const Metadata = z.strictObject({ filter_metadata: z.record(z.string(), z.record(z.string(), z.unknown())) });
export type Metadata = z.infer<typeof Metadata>;

/** proto Duration in JSON form: seconds with an `s` suffix, e.g. `0.250s`. */
export const DurationString = z.string().regex(/^\d+(\.\d{1,9})?s$/, 'duration must be proto3 JSON seconds, e.g. "1.5s"');

export const durationMs = (d: string): number => Math.round(Number(d.slice(0, -1)) * 1000);
export const msToDuration = (ms: number): string => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(3).replace(/0+$/, '')}s`;
