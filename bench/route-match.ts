// Route matching: indexed engine (src/gateway/routing) beside an Envoy-style linear first-match
// over the same precompiled matchers, measured in the same run. Prints tables; asserts nothing.
// Run: `npm run bench` (or `npx tsx bench/route-match.ts`).
import { RE2JS } from 're2js';
import { clearRegexCache, CompiledHeaderMatcher, CompiledQueryMatcher, compileRouteConfiguration } from '../src/gateway/routing/index.ts';
import type { MatchInput } from '../src/gateway/routing/match-input.ts';
import type { Route, RouteConfiguration, VirtualHost } from '../src/xds/resources/route.ts';

// ---- Istio-shaped routes: per service an exact health path, a header-gated canary prefix, an
// API prefix, a regex item route (every other service), a method-gated prefix; catch-all last ----

function serviceRoutes(i: number): Route[] {
  const s = `/svc-${i}`;
  const rs: Route[] = [
    { name: `svc-${i}-health`, match: { path: `${s}/healthz`, case_sensitive: true }, route: { cluster: `outbound|80||svc-${i}` } },
    { name: `svc-${i}-canary`, match: { prefix: `${s}/api/`, case_sensitive: true, headers: [{ name: 'x-canary', string_match: { exact: 'true' } }] }, route: { cluster: `outbound|80|v2|svc-${i}` } },
    { name: `svc-${i}-api`, match: { prefix: `${s}/api/`, case_sensitive: true }, route: { cluster: `outbound|80|v1|svc-${i}` } },
  ];
  if (i % 2 === 0) rs.push({ name: `svc-${i}-items`, match: { safe_regex: { regex: `${s}/items/[0-9]+` } }, route: { cluster: `outbound|80||svc-${i}` } });
  rs.push({ name: `svc-${i}-write`, match: { prefix: `${s}/`, case_sensitive: false, headers: [{ name: ':method', string_match: { safe_regex: { regex: 'POST|PUT' } } }] }, route: { cluster: `outbound|80||svc-${i}` } });
  rs.push({ name: `svc-${i}-rest`, match: { prefix: `${s}/`, case_sensitive: true, query_parameters: [{ name: 'debug', present_match: true }] }, route: { cluster: `outbound|80||svc-${i}` } });
  return rs;
}

function routesFor(n: number): Route[] {
  const out: Route[] = [];
  for (let i = 0; out.length < n - 1; i++) out.push(...serviceRoutes(i));
  out.length = n - 1;
  out.push({ name: 'default', match: { prefix: '/', case_sensitive: true }, route: { cluster: 'outbound|80||default' } });
  return out;
}

const vh = (routes: Route[]): VirtualHost => ({ name: 'bench', domains: ['*'], routes });
const rcOf = (virtual_hosts: VirtualHost[]): RouteConfiguration => ({ name: 'http.80', virtual_hosts, ignore_port_in_host_matching: true });

function input(path: string, extra: Partial<MatchInput> = {}): MatchInput {
  const q = path.indexOf('?');
  return { path: q < 0 ? path : path.slice(0, q), query: q < 0 ? '' : path.slice(q + 1), headers: new Headers(), method: 'GET', scheme: 'https', authority: 'bench.example.com', ...extra };
}

function requestsFor(n: number): { mix: MatchInput[]; last: MatchInput[] } {
  const services = Math.max(1, Math.floor((n - 1) / 5.5));
  const mix: MatchInput[] = [];
  const canary = new Headers({ 'x-canary': 'true' });
  for (let k = 0; k < 64; k++) {
    const i = Math.floor((k * 7919) % services);
    const s = `/svc-${i}`;
    switch (k % 6) {
      case 0: mix.push(input(`${s}/healthz`)); break;
      case 1: mix.push(input(`${s}/api/v1/users/42`, { headers: canary })); break;
      case 2: mix.push(input(`${s}/api/v1/users/42`)); break;
      case 3: mix.push(input(`${s}/items/${k}`)); break;
      case 4: mix.push(input(`${s.toUpperCase()}/orders`, { method: 'POST' })); break;
      default: mix.push(input(`${s}/other?debug`)); break;
    }
  }
  // The worst case for a linear scan: requests only the catch-all (or nothing) answers.
  const last = [input('/static/app.js'), input('/'), input(`/svc-${services - 1}/unknown`)];
  return { mix, last };
}

// ---- linear baseline: Envoy's ordered list over the same precompiled matchers ----

interface LinearRoute {
  kind: 'exact' | 'prefix' | 'regex';
  text: string;
  ci: boolean;
  re: RE2JS | undefined;
  headers: CompiledHeaderMatcher[];
  query: CompiledQueryMatcher[];
}

function compileLinear(routes: Route[]): LinearRoute[] {
  return routes.map((r) => {
    const m = r.match;
    const ci = m.case_sensitive === false;
    const kind = m.path !== undefined ? 'exact' : m.prefix !== undefined ? 'prefix' : 'regex';
    const text = m.path ?? m.prefix ?? '';
    return {
      kind,
      text: ci ? text.toLowerCase() : text,
      ci: ci && kind !== 'regex',
      re: m.safe_regex ? RE2JS.compile(m.safe_regex.regex) : undefined,
      headers: (m.headers ?? []).map((h) => CompiledHeaderMatcher.compile(h)),
      query: (m.query_parameters ?? []).map((q) => CompiledQueryMatcher.compile(q)),
    };
  });
}

function linearMatch(routes: LinearRoute[], inp: MatchInput): number {
  let lowered: string | undefined;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    let p = inp.path;
    if (r.ci) p = lowered ??= p.toLowerCase();
    const ok = r.kind === 'exact' ? p === r.text : r.kind === 'prefix' ? p.startsWith(r.text) : r.re!.matches(p);
    if (!ok) continue;
    if (!r.headers.every((h) => h.matches(inp))) continue;
    if (!r.query.every((q) => q.matches(inp))) continue;
    return i;
  }
  return -1;
}

// ---- timing ----

let sink = 0;
/** ns per call of `fn` over `inputs`, best of 5 rounds of ~`budgetMs`. */
function nsPerOp(inputs: MatchInput[] | string[], fn: (x: never) => unknown, budgetMs = 120): number {
  const call = fn as (x: unknown) => unknown;
  for (let w = 0; w < 3; w++) for (const x of inputs) sink ^= call(x) === undefined ? 1 : 0;
  let iters = 1;
  for (;;) {
    const t0 = performance.now();
    for (let k = 0; k < iters; k++) for (const x of inputs) sink ^= call(x) === undefined ? 1 : 0;
    const dt = performance.now() - t0;
    if (dt > budgetMs / 5 || iters > 1 << 24) break;
    iters *= 2;
  }
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let k = 0; k < iters; k++) for (const x of inputs) sink ^= call(x) === undefined ? 1 : 0;
    best = Math.min(best, ((performance.now() - t0) * 1e6) / (iters * inputs.length));
  }
  return best;
}

function msMedian(fn: () => unknown, runs: number): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink ^= fn() === undefined ? 1 : 0;
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)]!;
}

const fmtNs = (ns: number) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
const fmtX = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;

function table(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padStart(w[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

// ---- route matching ----

console.log(`route-match bench — node ${process.version}, ${process.arch}`);
console.log('\nPer-request route match (one vhost; "mix" = 64 requests spread over the table, "last" = only the catch-all or nothing matches)\n');
const matchRows: string[][] = [];
const compileRows: string[][] = [];
for (const n of [10, 1_000, 10_000]) {
  const routes = routesFor(n);
  const config = rcOf([vh(routes)]);
  const compiled = compileRouteConfiguration(config);
  const cvh = compiled.virtualHosts[0]!;
  const linear = compileLinear(routes);
  const { mix, last } = requestsFor(n);
  for (const x of [...mix, ...last]) {
    const a = cvh.match(x)?.index ?? -1;
    const b = linearMatch(linear, x);
    if (a !== b) throw new Error(`bench self-check: indexed ${a} ≠ linear ${b} for ${x.path}`);
  }
  const iMix = nsPerOp(mix, (x: MatchInput) => cvh.match(x));
  const lMix = nsPerOp(mix, (x: MatchInput) => linearMatch(linear, x));
  const iLast = nsPerOp(last, (x: MatchInput) => cvh.match(x));
  const lLast = nsPerOp(last, (x: MatchInput) => linearMatch(linear, x));
  const iFull = nsPerOp(mix, (x: MatchInput) => compiled.match(x));
  matchRows.push([String(n), fmtNs(iMix), fmtNs(iFull), fmtNs(lMix), fmtX(lMix / iMix), fmtNs(iLast), fmtNs(lLast), fmtX(lLast / iLast)]);
  const runs = n >= 10_000 ? 7 : 21;
  // Interleave the three so JIT warm-up and GC pressure fall on each alike.
  const cold: number[] = [], warm: number[] = [], lin: number[] = [];
  for (let k = 0; k < runs; k++) {
    lin.push(msMedian(() => compileLinear(routes), 1));
    cold.push(msMedian(() => {
      clearRegexCache();
      return compileRouteConfiguration(config);
    }, 1));
    warm.push(msMedian(() => compileRouteConfiguration(config), 1));
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  const [cCold, cWarm, cLin] = [med(cold), med(warm), med(lin)];
  const s = cvh.stats;
  compileRows.push([String(n), cCold.toFixed(2), cWarm.toFixed(2), cLin.toFixed(2), fmtX(cCold / cLin), `${s.exact}/${s.prefix}/${s.caseInsensitive}/${s.regexByLiteralPrefix}/${s.alwaysCheck}`]);
}
table(['routes', 'indexed mix', '+vhost select', 'linear mix', 'speedup', 'indexed last', 'linear last', 'speedup'], matchRows);

console.log('\nPer-snapshot compile (median ms; cold = empty RE2 cache, as in a new isolate; warm = same patterns cached, as on a snapshot update;\nlinear = precompiling the same matchers without an index or cache)\n');
table(['routes', 'indexed cold', 'indexed warm', 'linear', 'cold/linear', 'exact/prefix/ci/regex-by-prefix/always'], compileRows);

// ---- virtual host selection ----

console.log('\nVirtual host selection (1k vhosts: exact service hosts, *.ns suffix wildcards, a few prefix wildcards, *)\n');
const vhosts: VirtualHost[] = [];
const nV = 1_000;
for (let i = 0; i < nV - 1; i++) {
  const domains = i % 10 === 9 ? [`*.ns-${i}.example.com`] : i % 50 === 1 ? [`app-${i}.*`] : [`svc-${i}.example.com`, `svc-${i}.ns.svc.cluster.local`];
  vhosts.push({ name: `vh-${i}`, domains, routes: [] });
}
vhosts.push({ name: 'default', domains: ['*'], routes: [] });
const vConfig = rcOf(vhosts);
const vTable = compileRouteConfiguration(vConfig);
const authorities = Array.from({ length: 64 }, (_, k) => {
  const i = (k * 7919) % (nV - 1);
  return i % 10 === 9 ? `api.ns-${i}.example.com:443` : i % 50 === 1 ? `app-${i}.internal` : k % 3 === 0 ? `SVC-${i}.example.com:8080` : `svc-${i}.ns.svc.cluster.local`;
});
const missAuthorities = ['unknown.example.org', 'nothing.here:80', '[::1]:8080'];
const flat = vhosts.flatMap((v, i) => v.domains.map((d) => ({ d: d.toLowerCase(), i })));
function linearSelect(authority: string): number | undefined {
  let host = authority.toLowerCase();
  const c = host.lastIndexOf(':');
  if (c > 0 && /^\d+$/.test(host.slice(c + 1)) && (host.startsWith('[') ? host[c - 1] === ']' : host.indexOf(':') === c)) host = host.slice(0, c);
  let exact: number | undefined, suf: number | undefined, sufLen = -1, pre: number | undefined, preLen = -1, star: number | undefined;
  for (const { d, i } of flat) {
    if (d === host) exact ??= i;
    else if (d === '*') star = i;
    else if (d.startsWith('*') && d.length - 1 > sufLen && host.length > d.length - 1 && host.endsWith(d.slice(1))) [suf, sufLen] = [i, d.length - 1];
    else if (d.endsWith('*') && d.length - 1 > preLen && host.length > d.length - 1 && host.startsWith(d.slice(0, -1))) [pre, preLen] = [i, d.length - 1];
  }
  return exact ?? suf ?? pre ?? star;
}
for (const a of [...authorities, ...missAuthorities]) {
  if (vTable.selectVirtualHost(a)?.index !== linearSelect(a)) throw new Error(`bench self-check: vhost selection differs for ${a}`);
}
const sIdx = nsPerOp(authorities, (a: string) => vTable.selectVirtualHost(a));
const sLin = nsPerOp(authorities, (a: string) => linearSelect(a));
const sIdxMiss = nsPerOp(missAuthorities, (a: string) => vTable.selectVirtualHost(a));
const sLinMiss = nsPerOp(missAuthorities, (a: string) => linearSelect(a));
const vCompile = msMedian(() => compileRouteConfiguration(vConfig), 21); // no regexes here
table(
  ['vhosts', 'indexed hit', 'linear hit', 'speedup', 'indexed miss→*', 'linear miss→*', 'speedup', 'compile ms'],
  [[String(nV), fmtNs(sIdx), fmtNs(sLin), fmtX(sLin / sIdx), fmtNs(sIdxMiss), fmtNs(sLinMiss), fmtX(sLinMiss / sIdxMiss), vCompile.toFixed(2)]],
);
if (sink === 42) console.log('');
