import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import productpage from '../../../workers/bookinfo/productpage/index.ts';
import details from '../../../workers/bookinfo/details/index.ts';
import reviews from '../../../workers/bookinfo/reviews/index.ts';
import { DETAILS_UNAVAILABLE, RATINGS_UNAVAILABLE, REVIEWS_UNAVAILABLE } from '../../../workers/bookinfo/texts.ts';
import ratings from '../../../workers/bookinfo/ratings/index.ts';
import { bookinfoWorkers } from '../../../workers/bookinfo/index.ts';

// A test double for the egress gateway only: it dispatches by the URL's host to the right demo
// Worker (as `worker:BINDING` endpoints would), lets a test pick the reviews version per request
// (like a VirtualService) and inject faults. The real gateway path is covered end to end.

type Version = 'v1' | 'v2' | 'v3';
type Call = { host: string; path: string; headers: Record<string, string> };
type Fault = (req: Request, host: string) => Response | undefined | Promise<Response | undefined>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mesh(opts: { reviews?: (req: Request) => Version; fault?: Fault; productpageVars?: Record<string, string>; reviewsVars?: Record<string, string> } = {}) {
  const calls: Call[] = [];
  const egress = {
    async fetch(req: Request): Promise<Response> {
      const url = new URL(req.url);
      calls.push({ host: url.hostname, path: url.pathname, headers: Object.fromEntries(req.headers) });
      const service = url.hostname.endsWith('.default.svc.cluster.local') && url.port === '9080' ? url.hostname.split('.')[0] : undefined;
      const injected = await opts.fault?.(req, service ?? url.hostname);
      if (injected) return injected;
      switch (service) {
        case 'productpage':
          return productpage.fetch(req, { MESH_EGRESS: egress, ...opts.productpageVars });
        case 'details':
          return details.fetch(req, { MESH_EGRESS: egress });
        case 'reviews':
          return reviews.fetch(req, { MESH_EGRESS: egress, VERSION: opts.reviews?.(req) ?? 'v1', ...opts.reviewsVars });
        case 'ratings':
          return ratings.fetch(req, { MESH_EGRESS: egress });
        default:
          return new Response(null, { status: 502 }); // BlackHoleCluster
      }
    },
  };
  /** A client request to productpage, as the ingress gateway would deliver it. */
  const page = (path = '/productpage', init: RequestInit = {}) =>
    productpage.fetch(new Request(`http://productpage.default.svc.cluster.local:9080${path}`, init), { MESH_EGRESS: egress, ...opts.productpageVars });
  return { egress, calls, page };
}

/** The `test-v2` task: jason gets reviews v2, everyone else v1. */
const jasonToV2 = (req: Request): Version => (req.headers.get('end-user') === 'jason' ? 'v2' : 'v1');

describe('bookinfo services', () => {
  test('each answers /health', async () => {
    const env = { MESH_EGRESS: { fetch: async () => new Response('') } };
    for (const [app, text] of [
      [productpage, 'Product page is healthy'],
      [details, 'Details is healthy'],
      [reviews, 'Reviews is healthy'],
      [ratings, 'Ratings is healthy'],
    ] as const) {
      const res = await app.fetch(new Request('http://x/health'), env);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(text);
    }
  });

  test('details and ratings answer JSON like Istio\'s', async () => {
    const d = await details.fetch(new Request('http://x/details/0'), {});
    expect(await d.json()).toMatchObject({ id: 0, author: 'William Shakespeare', type: 'paperback', pages: 200, publisher: 'PublisherA', language: 'English', 'ISBN-10': '1234567890', 'ISBN-13': '123-1234567890' });
    const r = await ratings.fetch(new Request('http://x/ratings/0'), {});
    expect(await r.json()).toEqual({ id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    expect((await details.fetch(new Request('http://x/details/abc'), {})).status).toBe(400);
    expect((await ratings.fetch(new Request('http://x/ratings/abc'), {})).status).toBe(400);
  });

  test('reviews v1 has no ratings and does not call ratings; v2 black, v3 red from ratings', async () => {
    for (const version of ['v1', 'v2', 'v3'] as const) {
      const m = mesh();
      const res = await reviews.fetch(new Request('http://reviews.default.svc.cluster.local:9080/reviews/0'), { MESH_EGRESS: m.egress, VERSION: version });
      const body = (await res.json()) as { id: string; podname: string; clustername: string; reviews: { reviewer: string; rating?: unknown }[] };
      expect(body.id).toBe('0');
      expect(body.podname).toBe(`reviews-${version}`);
      expect(typeof body.clustername).toBe('string');
      expect(body.reviews.map((r) => r.reviewer)).toEqual(['Reviewer1', 'Reviewer2']);
      if (version === 'v1') {
        expect(body.reviews.every((r) => r.rating === undefined)).toBe(true);
        expect(m.calls).toEqual([]);
      } else {
        const color = version === 'v2' ? 'black' : 'red';
        expect(body.reviews.map((r) => r.rating)).toEqual([{ stars: 5, color }, { stars: 4, color }]);
        expect(m.calls.map((c) => `${c.host}${c.path}`)).toEqual(['ratings.default.svc.cluster.local/ratings/0']);
        expect(m.calls[0]!.headers['x-meshgate-source']).toBe('default/bookinfo-reviews');
      }
    }
  });

  test('reviews reports ratings errors per review', async () => {
    const m = mesh({ fault: (_req, host) => (host === 'ratings' ? new Response('fault filter abort', { status: 500 }) : undefined) });
    const res = await reviews.fetch(new Request('http://reviews.default.svc.cluster.local:9080/reviews/0'), { MESH_EGRESS: m.egress, VERSION: 'v2' });
    const body = (await res.json()) as { reviews: { rating?: unknown }[] };
    expect(body.reviews.map((r) => r.rating)).toEqual([{ error: RATINGS_UNAVAILABLE }, { error: RATINGS_UNAVAILABLE }]);
  });
});

describe('productpage', () => {
  test('renders the book, details and reviews v1 (no stars) and marks the version', async () => {
    const m = mesh();
    const res = await m.page();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('The Comedy of Errors');
    expect(html).toContain('Summary: <a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>');
    expect(html).toContain('Book Details');
    expect(html).toMatch(/<dt>Type:<\/dt><dd>paperback<\/dd>/);
    expect(html).toMatch(/<dt>Pages:<\/dt><dd>200<\/dd>/);
    expect(html).toMatch(/<dt>ISBN-13:<\/dt><dd>123-1234567890<\/dd>/);
    expect(html).toContain('Book Reviews');
    expect(html).toContain('Reviewer1');
    expect(html).toContain('Reviewer2');
    expect(html).toContain('An extremely entertaining play by Shakespeare.');
    expect(html).toContain('data-reviews-version="v1"');
    expect(html).toContain('reviews-v1');
    expect(html).not.toContain('★');
    expect(html).toContain('Sign in');
    expect(m.calls.map((c) => `${c.host}:${c.path}`).sort()).toEqual([
      'details.default.svc.cluster.local:/details/0',
      'reviews.default.svc.cluster.local:/reviews/0',
    ]);
    for (const c of m.calls) expect(c.headers['x-meshgate-source']).toBe('default/bookinfo-productpage');
  });

  test('reviews v2 shows black stars, v3 red stars', async () => {
    for (const [version, color] of [['v2', 'black'], ['v3', 'red']] as const) {
      const html = await (await mesh({ reviews: () => version }).page()).text();
      expect(html).toContain(`data-reviews-version="${version}"`);
      expect(html).toContain(`reviews-${version}`);
      expect(html).toContain(`style="color: ${color}">★★★★★</span>`);
      expect(html).toContain(`style="color: ${color}">★★★★☆</span>`);
    }
  });

  test("jason's end-user header flows productpage → reviews → ratings; routing by it picks v2", async () => {
    const m = mesh({ reviews: jasonToV2 });
    // sign in
    const login = await m.page('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', referer: 'http://localhost:8080/productpage' },
      body: 'username=jason&passwd=x',
    });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/productpage');
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^user=jason;/);
    expect(cookie).toMatch(/Path=\//);

    const html = await (
      await m.page('/productpage', { headers: { cookie: 'user=jason', 'x-request-id': 'rid-42', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
    ).text();
    expect(html).toContain('data-reviews-version="v2"');
    expect(html).toContain('style="color: black">★★★★★</span>');
    expect(html).toMatch(/jason \( <a href="\/logout">sign out<\/a> \)/);

    const byHost = (h: string) => m.calls.filter((c) => c.host === `${h}.default.svc.cluster.local`);
    for (const svc of ['details', 'reviews', 'ratings']) {
      const [call] = byHost(svc);
      expect(call, svc).toBeDefined();
      expect(call!.headers['end-user'], svc).toBe('jason');
      expect(call!.headers['x-request-id'], svc).toBe('rid-42');
      expect(call!.headers['traceparent'], svc).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    }
    expect(byHost('ratings')[0]!.headers['x-meshgate-source']).toBe('default/bookinfo-reviews');

    // anonymous users send no end-user and get v1
    const anon = mesh({ reviews: jasonToV2 });
    const anonHtml = await (await anon.page('/productpage', { headers: { 'end-user': 'jason' } })).text();
    expect(anonHtml).toContain('data-reviews-version="v1"');
    expect(anon.calls.every((c) => c.headers['end-user'] === undefined)).toBe(true);
  });

  test('details failure shows Istio\'s error text', async () => {
    const m = mesh({ fault: (_r, host) => (host === 'details' ? new Response('no healthy upstream', { status: 503 }) : undefined) });
    const html = await (await m.page()).text();
    expect(html).toContain('Error fetching product details!');
    expect(html).toContain(DETAILS_UNAVAILABLE);
    expect(html).toContain('Book Reviews');
  });

  test('reviews failure shows Istio\'s error text after two attempts', async () => {
    const m = mesh({ fault: (_r, host) => (host === 'reviews' ? new Response('fault filter abort', { status: 500 }) : undefined) });
    const html = await (await m.page()).text();
    expect(html).toContain('Error fetching product reviews!');
    expect(html).toContain('Sorry, product reviews are currently unavailable for this book.');
    expect(html).toContain('data-reviews-version="unavailable"');
    expect(html).toContain('Book Details');
    expect(m.calls.filter((c) => c.host.startsWith('reviews.')).length).toBe(2);
  });

  test('fault abort on ratings for jason: "Ratings service is currently unavailable"', async () => {
    const m = mesh({
      reviews: jasonToV2,
      fault: (req, host) => (host === 'ratings' && req.headers.get('end-user') === 'jason' ? new Response('fault filter abort', { status: 500 }) : undefined),
    });
    const html = await (await m.page('/productpage', { headers: { cookie: 'user=jason' } })).text();
    expect(html).toContain('data-reviews-version="v2"');
    expect(html).toContain('Ratings service is currently unavailable');
    expect(html).not.toContain('★');
  });

  test('fault delay on ratings for jason: productpage times out on reviews (v2 waits longer)', async () => {
    const m = mesh({
      reviews: jasonToV2,
      productpageVars: { REVIEWS_TIMEOUT_MS: '40' }, // Istio: 3000 ms × 2 attempts against a 7 s delay
      fault: async (req, host) => {
        if (host === 'ratings' && req.headers.get('end-user') === 'jason') await sleep(150);
        return undefined;
      },
    });
    const html = await (await m.page('/productpage', { headers: { cookie: 'user=jason' } })).text();
    expect(html).toContain(REVIEWS_UNAVAILABLE);
    expect(m.calls.filter((c) => c.host.startsWith('reviews.')).length).toBe(2);
    // everyone else is unaffected
    const ok = await (await m.page('/productpage')).text();
    expect(ok).toContain('data-reviews-version="v1"');
  });

  test('reviews v3 gives up on slow ratings sooner than v2', async () => {
    const m = mesh({
      reviews: () => 'v3',
      reviewsVars: { RATINGS_TIMEOUT_MS: '30' },
      fault: async (_req, host) => (host === 'ratings' ? (await sleep(120), undefined) : undefined),
    });
    const html = await (await m.page()).text();
    expect(html).toContain('data-reviews-version="v3"');
    expect(html).toContain('Ratings service is currently unavailable');
  });

  test('login form, login redirect, logout', async () => {
    const m = mesh();
    const form = await m.page('/login');
    expect(form.status).toBe(200);
    expect(await form.text()).toMatch(/<form method="post" action="\/login"/);
    const again = await m.page('/login', { headers: { cookie: 'user=jason' } });
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/productpage');
    const bad = await m.page('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=%3Cscript%3Ex' });
    expect(bad.status).toBe(400);
    const viaUser = await m.page('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', referer: '//evil.example/x' }, body: 'user=jason' });
    expect(viaUser.status).toBe(302);
    expect(viaUser.headers.get('location')).toBe('/productpage');
    const out = await m.page('/logout', { headers: { cookie: 'user=jason' } });
    expect(out.status).toBe(302);
    expect(out.headers.get('set-cookie')).toMatch(/^user=;.*Max-Age=0/);
  });

  test('API routes', async () => {
    const m = mesh({ reviews: () => 'v3' });
    expect(await (await m.page('/api/v1/products')).json()).toEqual([expect.objectContaining({ id: 0, title: 'The Comedy of Errors' })]);
    expect(await (await m.page('/api/v1/products/0')).json()).toMatchObject({ id: 0, type: 'paperback' });
    expect(await (await m.page('/api/v1/products/0/reviews')).json()).toMatchObject({ podname: 'reviews-v3', reviews: [{ rating: { stars: 5, color: 'red' } }, {}] });
    expect(await (await m.page('/api/v1/products/0/ratings')).json()).toEqual({ id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    const failing = mesh({ fault: () => new Response(null, { status: 503 }) });
    const r = await failing.page('/api/v1/products/0/ratings');
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ error: 'Sorry, product ratings are currently unavailable for this book.' });
  });

  test('static CSS', async () => {
    const m = mesh();
    const css = await m.page('/static/bookinfo.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect((await m.page('/static/nope.js')).status).toBe(404);
  });

  test('without the MESH_EGRESS binding the page says what to add', async () => {
    const res = await productpage.fetch(new Request('http://x/productpage'), {});
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('meshFetch: no service binding MESH_EGRESS; add [[services]] binding = "MESH_EGRESS" service = "meshgate-egress-gateway" to wrangler.toml');
  });
});

describe('bookinfoWorkers()', () => {
  test('entry modules export only the app (workerd treats named exports as entrypoints)', async () => {
    for (const w of bookinfoWorkers()) {
      const mod = (await import(w.scriptPath)) as Record<string, unknown>;
      expect(Object.keys(mod), w.name).toEqual(['default']);
    }
  });

  test('describes one Worker per ServiceEntry endpoint', () => {
    const ws = bookinfoWorkers();
    expect(ws.map((w) => w.binding)).toEqual(['PRODUCTPAGE_V1', 'DETAILS_V1', 'REVIEWS_V1', 'REVIEWS_V2', 'REVIEWS_V3', 'RATINGS_V1']);
    expect(ws.map((w) => w.name)).toEqual(['bookinfo-productpage', 'bookinfo-details', 'bookinfo-reviews-v1', 'bookinfo-reviews-v2', 'bookinfo-reviews-v3', 'bookinfo-ratings']);
    for (const w of ws) expect(existsSync(w.scriptPath), w.scriptPath).toBe(true);
    expect(ws.filter((w) => w.labels.app === 'reviews').map((w) => w.vars['VERSION'])).toEqual(['v1', 'v2', 'v3']);
    const services = readFileSync(new URL('../../../examples/bookinfo/services.yaml', import.meta.url), 'utf8');
    for (const w of ws) expect(services).toContain(`worker:${w.binding}`);
    const endpoints = [...services.matchAll(/address: "worker:([A-Z0-9_]+)"/g)].map((m) => m[1]);
    expect(new Set(endpoints)).toEqual(new Set(ws.map((w) => w.binding)));
  });
});
