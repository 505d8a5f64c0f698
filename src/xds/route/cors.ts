import type { CorsPolicy as IstioCorsPolicy } from '../../config/kinds/networking/virtual-service.ts';
import { parseDuration } from '../../config/syntax/duration.ts';
import { CORS_POLICY_TYPE, type CorsPolicy } from '../filters/cors.ts';
import { toStringMatcher } from './match.ts';

// CorsPolicy → the CORS filter's per-route config (Istio route.go TranslateCORSPolicy).

export function translateCors(c: IstioCorsPolicy): CorsPolicy {
  const origins = c.allowOrigins ? c.allowOrigins.flatMap((m) => toStringMatcher(m) ?? []) : c.allowOrigin?.map((exact) => ({ exact }));
  const joined = (list: string[] | undefined) => (list?.length ? list.join(',') : undefined);
  const methods = joined(c.allowMethods);
  const headers = joined(c.allowHeaders);
  const expose = joined(c.exposeHeaders);
  const maxAgeMs = c.maxAge !== undefined ? parseDuration(c.maxAge) : undefined;
  return {
    '@type': CORS_POLICY_TYPE,
    ...(origins ? { allow_origin_string_match: origins } : {}),
    ...(methods ? { allow_methods: methods } : {}),
    ...(headers ? { allow_headers: headers } : {}),
    ...(expose ? { expose_headers: expose } : {}),
    ...(maxAgeMs !== undefined ? { max_age: String(Math.floor(maxAgeMs / 1000)) } : {}),
    ...(c.allowCredentials !== undefined ? { allow_credentials: c.allowCredentials } : {}),
    // FORWARD (the default, Envoy's behaviour before 1.30) forwards; IGNORE answers locally.
    forward_not_matching_preflights: c.unmatchedPreflights !== 'IGNORE',
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  };
}
