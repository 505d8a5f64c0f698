import type { JwtProvider, JwtRequirement } from '../../../xds/filters/jwt-authn.ts';
import { claimHeaderValue } from './claims.ts';
import { compileExtractor, type Extractor, type RequestView, type TokenLocation } from './extractor.ts';
import { parseKeySet, remoteKeySet, verifySignature, type KeySet } from './jwks.ts';
import { JwtStatus } from './status.ts';
import { audienceChecker, checkTime, parseJwt, type ParsedJwt } from './token.ts';

// Envoy's verifier tree (jwt_authn verifier.cc) and authenticator (authenticator.cc), compiled
// once per snapshot. Children run in order on the same request, so a token removed by one
// provider is gone for the next, as in Envoy.
// - provider: tokens from its locations; none ⇒ JwtMissed; every token must verify.
// - requires_any: the first child that passes wins; otherwise the most telling error (anything
//   but "missing"/"unknown issuer", then "unknown issuer", then "missing"); with allow_missing a
//   final "missing" passes, with allow_missing_or_failed everything passes.
// - requires_all: every child must pass.
// Per token, in Envoy's order: parse, issuer allowed at that location, exp/nbf with the clock
// skew, audience, then the signature against the provider's JWKS.

const DEFAULT_CLOCK_SKEW_SECONDS = 60;

export interface CompiledProvider {
  readonly name: string;
  readonly config: JwtProvider;
  readonly extractor: Extractor;
  readonly audiences: (aud: readonly string[]) => boolean;
  readonly skew: number;
  keys(nowMs: number): Promise<KeySet | JwtStatus> | KeySet | JwtStatus;
}

export interface Verified {
  provider: CompiledProvider;
  jwt: ParsedJwt;
}

/** One request's verification: the request parts tokens live in, the clock, what verified. */
export interface VerifyRun {
  view: RequestView;
  nowMs: number;
  verified: Verified[];
}

export type Verifier = (run: VerifyRun) => Promise<JwtStatus>;

export function compileProvider(name: string, config: JwtProvider): CompiledProvider {
  let keys: (nowMs: number) => Promise<KeySet | JwtStatus> | KeySet | JwtStatus;
  if (config.local_jwks) {
    // Inline keys are parsed once; a set without usable keys fails every token, as Envoy's does.
    const set = parseKeySet(config.local_jwks.inline_string) ?? { keys: [] };
    keys = () => set;
  } else {
    const remote = config.remote_jwks!;
    keys = (nowMs) => remoteKeySet(remote, nowMs);
  }
  return {
    name,
    config,
    extractor: compileExtractor([config]),
    audiences: audienceChecker(config.audiences),
    skew: config.clock_skew_seconds || DEFAULT_CLOCK_SKEW_SECONDS,
    keys,
  };
}

interface AuthOptions {
  /** The provider the tokens are for; absent ⇒ found by the token's issuer (allow_missing*). */
  provider?: CompiledProvider;
  /** provider_and_audiences overrides the provider's audiences. */
  audiences?: (aud: readonly string[]) => boolean;
  allowFailed: boolean;
  allowMissing: boolean;
}

function addPayloadHeaders(run: VerifyRun, p: CompiledProvider, jwt: ParsedJwt, loc: TokenLocation) {
  const cfg = p.config;
  const h = run.view.headers;
  if (cfg.forward_payload_header) {
    const seg = jwt.payloadSegment;
    h.append(cfg.forward_payload_header, cfg.pad_forward_payload_header ? seg + '='.repeat((4 - (seg.length % 4)) % 4) : seg);
  }
  for (const c of cfg.claim_to_headers ?? []) {
    const v = claimHeaderValue(jwt.payload, c.claim_name);
    if (v !== undefined) h.append(c.header_name, v);
  }
  if (!cfg.forward) loc.remove(run.view);
}

async function verifyToken(run: VerifyRun, loc: TokenLocation, opts: AuthOptions, byIssuer: (iss: string) => CompiledProvider | undefined): Promise<JwtStatus> {
  const jwt = parseJwt(loc.token);
  if (typeof jwt === 'string') return jwt;
  if (!loc.isIssuerAllowed(jwt.iss)) return JwtStatus.JwtUnknownIssuer;
  const p = opts.provider ?? byIssuer(jwt.iss);
  if (!p) return JwtStatus.JwtUnknownIssuer;
  const time = checkTime(jwt, run.nowMs, p.skew);
  if (time !== JwtStatus.Ok) return time;
  if (!(opts.audiences ?? p.audiences)(jwt.audiences)) return JwtStatus.JwtAudienceNotAllowed;
  const keys = await p.keys(run.nowMs);
  if (typeof keys === 'string') return keys;
  const sig = await verifySignature(keys, jwt, new Date(run.nowMs), p.skew);
  if (sig !== JwtStatus.Ok) return sig;
  addPayloadHeaders(run, p, jwt, loc);
  run.verified.push({ provider: p, jwt });
  return JwtStatus.Ok;
}

/**
 * All tokens found must verify. (Envoy lets an allow_missing authenticator go on past a failed
 * token; meshgate stops there, so a bad token next to a good one is never let through.
 * Istio's requirements never use that form.)
 */
async function authenticate(run: VerifyRun, tokens: TokenLocation[], opts: AuthOptions, byIssuer: (iss: string) => CompiledProvider | undefined): Promise<JwtStatus> {
  let status: JwtStatus = JwtStatus.JwtMissed;
  for (let i = tokens.length - 1; i >= 0; i--) {
    status = await verifyToken(run, tokens[i]!, opts, byIssuer);
    if (status !== JwtStatus.Ok && !opts.allowFailed) return status;
  }
  if (opts.allowFailed) return JwtStatus.Ok;
  if (opts.allowMissing && status === JwtStatus.JwtMissed) return JwtStatus.Ok;
  return status;
}

function aggregate(statuses: readonly JwtStatus[]): JwtStatus {
  let final: JwtStatus = JwtStatus.JwtMissed;
  for (const s of statuses) {
    if ((s !== JwtStatus.JwtMissed && s !== JwtStatus.JwtUnknownIssuer) || final === JwtStatus.JwtMissed) final = s;
  }
  return final;
}

export function compileRequirement(req: JwtRequirement, providers: ReadonlyMap<string, CompiledProvider>): Verifier {
  const all = [...providers.values()];
  // Envoy JwksCache findByIssuer: the first provider with that issuer, else one without an issuer.
  const byIssuer = (iss: string) => all.find((p) => p.config.issuer === iss) ?? all.find((p) => !p.config.issuer);
  const allExtractor = compileExtractor(all.map((p) => p.config));
  const bypass = (allowFailed: boolean): Verifier => async (run) => {
    allExtractor.sanitize(run.view.headers);
    return authenticate(run, allExtractor.extract(run.view), { allowFailed, allowMissing: true }, byIssuer);
  };
  const provider = (name: string, audiences?: readonly string[]): Verifier => {
    const p = providers.get(name);
    if (!p) throw new Error(`Required provider ['${name}'] is not configured.`);
    const opts: AuthOptions = { provider: p, allowFailed: false, allowMissing: false, ...(audiences ? { audiences: audienceChecker(audiences) } : {}) };
    return async (run) => {
      p.extractor.sanitize(run.view.headers);
      return authenticate(run, p.extractor.extract(run.view), opts, byIssuer);
    };
  };
  const build = (r: JwtRequirement): Verifier => {
    if (r.provider_name !== undefined) return provider(r.provider_name);
    if (r.provider_and_audiences) return provider(r.provider_and_audiences.provider_name, r.provider_and_audiences.audiences);
    if (r.requires_all) {
      const children = r.requires_all.requirements.map(build);
      return async (run) => {
        for (const c of children) {
          const s = await c(run);
          if (s !== JwtStatus.Ok) return s;
        }
        return JwtStatus.Ok;
      };
    }
    if (r.requires_any) {
      const reqs = r.requires_any.requirements;
      const failedOk = reqs.some((c) => c.allow_missing_or_failed);
      const missingOk = reqs.some((c) => c.allow_missing);
      let children = reqs.filter((c) => !c.allow_missing && !c.allow_missing_or_failed).map(build);
      if (!children.length) children = [bypass(failedOk)];
      return async (run) => {
        const statuses: JwtStatus[] = [];
        for (const c of children) {
          const s = await c(run);
          if (s === JwtStatus.Ok) return s;
          statuses.push(s);
        }
        const final = aggregate(statuses);
        if (failedOk) return JwtStatus.Ok;
        if (missingOk && final === JwtStatus.JwtMissed) return JwtStatus.Ok;
        return final;
      };
    }
    if (r.allow_missing_or_failed) return bypass(true);
    if (r.allow_missing) return bypass(false);
    return async () => JwtStatus.Ok;
  };
  return build(req);
}
