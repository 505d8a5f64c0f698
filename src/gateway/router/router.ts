import type { CompiledCluster, Endpoint } from '../upstream/index.ts';
import type { ConnectProbe } from './connect-probe.ts';
import type { Runtime } from '../runtime.ts';
import { clusterNotFound, connectFailure, connectionTermination, noHealthyUpstream, overflow, streamDurationTimeout, upstreamTimeout } from '../http/local-reply.ts';
import { expectedTimeoutMs, finalTimeouts, formatGrpcTimeout, type RequestTimeouts } from './timeouts.ts';
import type { CompiledAction, WeightedTarget } from './compile-action.ts';
import { copyHeaders, type HeaderBag } from '../http/header-map.ts';
import { backoffMs, retriable, withRetryHeaders, type CompiledRetry, type RetryHeaders } from './retry.ts';
import { bodyFor, canReplay, DEFAULT_RETRY_BUFFER_BYTES, prepareBody, replayable, type ReplayableBody } from './body.ts';
import { attempt, type AttemptResult, type Bindings, type UpstreamRequest } from './upstream.ts';
import { propagateTrace } from '../http/tracing.ts';

// Envoy's router filter for a route action: weighted cluster pick, circuit breakers, endpoint
// pick, attempts with per-try timeouts inside the route timeout, retries with backoff on another
// endpoint where one exists, mirrors fire-and-forget, outlier detection fed with every outcome.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter

export interface RouterRequest {
  request: Request;
  /** The request headers as the client sent them (hash policies read these). */
  incoming: HeaderBag;
  /** Headers to send upstream (already decorated: request id, tracing, forwarded, route ops). */
  headers: HeaderBag;
  pathAndQuery: string;
  authority: string;
  scheme: 'http' | 'https';
  host: string;
  edgePort: number;
  sourceIp: string;
  query: string;
  /** A gRPC request (Envoy hasGrpcContentType): grpc-timeout applies. */
  grpc?: boolean;
  /** A trusted caller's retry headers (x-envoy-retry-on, x-envoy-max-retries, …) and `x-envoy-upstream-rq-timeout-ms`. */
  retryHeaders?: RetryHeaders;
  timeoutMs?: number;
  retryBufferBytes?: number;
  /** Mirror clusters this request's copy must not go to (their destination's policies deny it). */
  deniedMirrors?: ReadonlySet<string> | undefined;
}

export interface RouterEnv {
  clusters: ReadonlyMap<string, CompiledCluster>;
  env: Bindings;
  rt: Runtime;
  waitUntil: (p: Promise<unknown>) => void;
  /** Tells a refused connection from a reset where the runtime cannot (connect-probe.ts). */
  probe?: ConnectProbe | undefined;
}

export interface RouterResult {
  response: Response;
  target?: WeightedTarget;
  /** Milliseconds the upstream took (x-envoy-upstream-service-time), when one answered. */
  upstreamMs?: number;
  setCookie?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const ATTEMPT = ['1', '2', '3', '4', '5', '6', '7', '8'];

export async function forward(action: CompiledAction, target: WeightedTarget, req: RouterRequest, renv: RouterEnv): Promise<RouterResult> {
  const { rt } = renv;
  const cluster = renv.clusters.get(target.cluster);
  if (!cluster) return { response: clusterNotFound(), target };
  const retry: CompiledRetry | undefined = req.retryHeaders ? withRetryHeaders(action.retry, req.retryHeaders) : action.retry;
  const needReplay = (retry?.numRetries ?? 0) > 0 || action.mirrors.length > 0;
  const prepared = prepareBody(req.request, needReplay, req.retryBufferBytes ?? DEFAULT_RETRY_BUFFER_BYTES);
  let body = prepared instanceof Promise ? await prepared : prepared;
  // Only a hashing balancer evaluates the route's hash policies (Envoy: the ring or maglev asks the
  // LB context for the key), so a cluster that does not hash generates no cookie.
  const hashes = cluster.lbPolicy === 'RING_HASH' || cluster.lbPolicy === 'MAGLEV';
  const hash = (hashes ? action.hash?.({ headers: req.incoming, query: req.query, sourceIp: req.sourceIp }, rt) : undefined) ?? {};
  const authority = target.hostRewrite ?? action.hostRewrite ?? req.authority;
  // The pipeline's upstream headers are ours to change (mirrors take their own copy).
  const headers = req.headers;
  headers.set('x-forwarded-host', authority);
  // Envoy sets the count and the timeout headers before shadowing, so mirrors carry the first try's.
  if (action.attemptCount && action.mirrors.length) headers.set('x-envoy-attempt-count', '1');
  const t = finalTimeouts(action, req.grpc === true, req.grpc ? req.incoming.get('grpc-timeout') : null, req.timeoutMs);
  const start = rt.now();
  setTimeoutHeaders(headers, t, retry, 0);

  if (!cluster.tryAcquire('request')) return { response: overflow(), target };
  try {
    // The route's deadline (504) and the stream's (408, from grpc-timeout); tries end at the first.
    const deadline = t.globalMs > 0 ? start + t.globalMs : Infinity;
    const streamDeadline = t.streamMs > 0 ? start + t.streamMs : Infinity;
    const end = Math.min(deadline, streamDeadline);
    // Which one a timeout was: the stream's when it was the nearer bound on what timed out.
    const streamFirst = streamDeadline <= deadline;
    const timedOut = (stream = streamFirst) => ({ response: stream ? streamDurationTimeout() : upstreamTimeout(), target });
    let attemptBoundByStream = false;
    const tried = new Set<string>();
    const maxAttempts = 1 + (canReplay(body) ? (retry?.numRetries ?? 0) : 0);
    let last: AttemptResult | undefined;
    let upstreamMs: number | undefined;
    // A retry holds a slot of the cluster's max_retries breaker until it is done (Envoy's
    // circuit_breakers.max_retries bounds concurrent retries). Whether another try can happen
    // (slot, backoff within the deadline) is settled before this answer is given up.
    let retrySlot = false;
    try {
      for (let n = 0; n < maxAttempts; n++) {
        const picked = cluster.pick({ ...(hash.key !== undefined ? { hash: hash.key } : {}), ...(retry?.previousHosts && tried.size ? { exclude: tried } : {}) });
        if (picked === 'no-healthy-upstream') return { response: noHealthyUpstream(), target };
        // Envoy shadows once the first try has a host (not when there is no healthy upstream),
        // deciding every mirror with one draw, so a 10% mirror's requests are within a 50% one's.
        if (n === 0 && action.mirrors.length) {
          const draw = rt.random();
          for (const m of action.mirrors) if ((m.fraction >= 1 || draw < m.fraction) && !req.deniedMirrors?.has(m.cluster)) renv.waitUntil(mirror(m, req, headers, body, renv, authority, t.globalMs));
        }
        tried.add(picked.key);
        // A request waiting for a fetch slot (max_pending_requests) waits within the route
        // timeout; the per-try timeout starts once it is sent (Envoy: onPoolReady).
        const lease = cluster.admitNow() ?? (await cluster.admit(end - rt.now()));
        if (lease === 'overflow') return { response: overflow(), target };
        const remaining = end - rt.now();
        if (lease === 'timeout' || remaining <= 0) {
          if (lease !== 'timeout') lease.release();
          return timedOut();
        }
        if (n > 0) setTimeoutHeaders(headers, t, retry, rt.now() - start);
        const perTry = retry?.perTryTimeoutMs ? Math.min(retry.perTryTimeoutMs, remaining) : remaining === Infinity ? 0 : remaining;
        attemptBoundByStream = streamFirst && (!retry?.perTryTimeoutMs || retry.perTryTimeoutMs >= remaining);
        // Envoy include_request_attempt_count: the upstream learns which try this is.
        if (action.attemptCount) headers.set('x-envoy-attempt-count', ATTEMPT[n] ?? String(n + 1));
        cluster.onRequestStart(picked);
        try {
          last = await attempt(cluster, picked, upstreamRequest(req, headers, bodyFor(body), authority), renv.env, perTry, renv.probe);
        } finally {
          lease.release();
        }
        // gRPC conditions look at `grpc-status` (a trailers-only answer carries it in the headers).
        if (retry?.grpc && last.response && last.outcome.kind === 'response') {
          const g = last.response.headers.get('grpc-status');
          if (g !== null) last.outcome.grpcStatus = g;
        }
        if (retry && last.response && last.outcome.kind === 'response' && last.response.headers.has('x-envoy-ratelimited')) last.outcome.rateLimited = true;
        report(cluster, picked, last);
        // Envoy's x-envoy-upstream-service-time counts from when the router had the request,
        // so earlier tries and backoff are in it.
        if (last.response) upstreamMs = rt.now() - start;
        if (!(n + 1 < maxAttempts && retry !== undefined && retriable(retry, last.outcome))) break;
        // A teed body can be sent again once its copy is whole; one that outgrew the limit cannot.
        if (body.kind === 'teed') {
          const again = await replayable(body);
          if (!again) break;
          body = again;
        }
        const wait = backoffMs(retry, n + 1, rt);
        if (retrySlot) cluster.release('retry'); // the retry just made is done
        retrySlot = cluster.tryAcquire('retry');
        if (!retrySlot) break; // retry budget overflow: keep this answer
        await last.response?.body?.cancel();
        // Envoy drops the answer once a retry is scheduled; a backoff that outlasts the route
        // timeout ends in the timeout's 504, when the timeout fires.
        const left = end - rt.now();
        if (wait >= left) {
          await sleep(left);
          return timedOut();
        }
        await sleep(wait);
      }
    } finally {
      if (retrySlot) cluster.release('retry');
    }
    if (!last) return { response: overflow(), target };
    if (last.response) return { response: last.response, target, ...(upstreamMs !== undefined ? { upstreamMs } : {}), ...(hash.setCookie ? { setCookie: hash.setCookie } : {}) };
    if (last.outcome.kind === 'timeout') return timedOut(attemptBoundByStream);
    if (last.error) console.warn(`upstream ${cluster.name}: ${last.error}`);
    return { response: last.outcome.kind === 'reset' ? connectionTermination() : connectFailure(), target };
  } finally {
    cluster.release('request');
  }
}

/** Envoy setTimeoutHeaders: the upstream's budget for this try (none when unbounded). */
function setTimeoutHeaders(headers: HeaderBag, t: RequestTimeouts, retry: CompiledRetry | undefined, elapsedMs: number): void {
  const expected = expectedTimeoutMs(retry?.perTryTimeoutMs, t.globalMs, elapsedMs);
  if (expected <= 0) return;
  headers.set('x-envoy-expected-rq-timeout-ms', String(expected));
  if (t.rewriteGrpcTimeout) headers.set('grpc-timeout', formatGrpcTimeout(expected));
}

function upstreamRequest(req: RouterRequest, headers: HeaderBag, body: BodyInit | null, authority: string): UpstreamRequest {
  return { method: req.request.method, pathAndQuery: req.pathAndQuery, authority, headers, body, originalScheme: req.scheme, originalHost: req.host, originalPort: req.edgePort };
}

function report(cluster: CompiledCluster, ep: Endpoint, r: AttemptResult) {
  const o = r.outcome;
  cluster.onRequestEnd(ep, o.kind === 'response' ? { status: o.status } : o.kind === 'timeout' ? { timeout: true } : o.kind === 'reset' ? { reset: true } : { connectFailure: true });
}

/** Mirrors: fire-and-forget, Host suffixed, response discarded, never delays or fails the primary. */
async function mirror(m: CompiledAction['mirrors'][number], req: RouterRequest, headers: HeaderBag, body: ReplayableBody, renv: RouterEnv, authority: string, timeoutMs: number): Promise<void> {
  const cluster = renv.clusters.get(m.cluster);
  if (!cluster) return;
  // The shadow's headers are the first try's: copied now, before anything is awaited.
  const hostPart = authority.replace(/:\d+$/, '');
  const portPart = authority.slice(hostPart.length);
  const shadow = m.hostSuffix ? `${hostPart}${m.hostSuffix}${portPart}` : authority;
  const h = copyHeaders(headers);
  h.set('x-forwarded-host', shadow);
  // The shadow is a child span of the gateway's, as Envoy's async client makes one ("mirror").
  propagateTrace(h, renv.rt, m.unsampled ? { sampled: false } : {});
  // A teed body is mirrored once it is whole (the shadow is fire-and-forget); a plain stream never.
  const sent = await replayable(body);
  if (!sent) return;
  // Envoy's shadow is a router request on the mirror cluster: its breakers bound it (an overflow
  // drops the shadow), and its answer feeds that cluster's outlier detection.
  if (!cluster.tryAcquire('request')) return;
  try {
    const ep = cluster.pick({});
    if (ep === 'no-healthy-upstream') return;
    const lease = cluster.admitNow() ?? (await cluster.admit(timeoutMs > 0 ? timeoutMs : Infinity));
    if (lease === 'overflow' || lease === 'timeout') return;
    cluster.onRequestStart(ep);
    try {
      // The shadow has the route's timeout (Envoy's shadow request options).
      const r = await attempt(cluster, ep, upstreamRequest(req, h, bodyFor(sent), shadow), renv.env, timeoutMs);
      report(cluster, ep, r);
      await r.response?.body?.cancel();
    } finally {
      lease.release();
    }
  } catch {
    // a mirror never fails the primary
  } finally {
    cluster.release('request');
  }
}
