// bookinfo productpage v1 (Istio's productpage.py): renders the book from details and reviews,
// both called through the mesh with meshFetch. A signed-in user (cookie `user`) is sent as
// `end-user` on every call, which is what the request-routing and fault-injection tasks match on.
// Client timeouts follow Istio's app: details 3s; reviews 3s, tried twice (the "bug introduced
// explicitly for illustration in fault injection task": a 7s ratings delay for jason makes the
// page give up on reviews after about 6s).
// The entry module exports only the app: workerd treats every named export as an entrypoint.
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { meshFetchMiddleware, type MeshFetch, type MeshFetchVariables } from '../../../src/mesh-fetch/index.ts';
import { DETAILS_UNAVAILABLE, RATINGS_UNAVAILABLE_PAGE as RATINGS_UNAVAILABLE, REVIEWS_UNAVAILABLE } from '../texts.ts';
import { APP_PROPAGATE, escapeHtml, getJson, identityOf, msVar, serviceUrl, type BookinfoEnv, type CallResult } from '../shared.ts';

export interface ProductpageEnv extends BookinfoEnv {
  /** Client timeout for details calls (default 3000 ms). */
  DETAILS_TIMEOUT_MS?: string;
  /** Client timeout for each of the two reviews attempts (default 3000 ms). */
  REVIEWS_TIMEOUT_MS?: string;
  /** Client timeout for ratings calls from the API (default 3000 ms). */
  RATINGS_TIMEOUT_MS?: string;
}

type AppEnv = { Bindings: ProductpageEnv; Variables: MeshFetchVariables };


const PRODUCTS = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
  },
] as const;

/** Headers productpage forwards besides the trace context: the app set plus session headers. */
const PROPAGATE = [...APP_PROPAGATE, 'cookie', 'authorization', 'jwt'];
const USER_RE = /^[A-Za-z0-9._@+-]{1,64}$/;

function userOf(c: Context): string {
  const u = getCookie(c, 'user');
  return u && USER_RE.test(u) ? u : '';
}

/** Outbound headers: `end-user` for a signed-in user (trace and app headers come via meshFetch). */
function forwardHeaders(c: Context): Record<string, string> {
  const user = userOf(c);
  return user ? { 'end-user': user } : {};
}

type Details = Record<string, unknown>;
type Review = { reviewer?: unknown; text?: unknown; rating?: { stars?: unknown; color?: unknown; error?: unknown } };
type Reviews = { id?: unknown; podname?: unknown; clustername?: unknown; version?: unknown; reviews?: Review[] };

async function getDetails(f: MeshFetch, env: ProductpageEnv, id: string, headers: Record<string, string>): Promise<CallResult<Details>> {
  return getJson<Details>(f, `${serviceUrl(env, 'details')}/details/${id}`, headers, msVar(env.DETAILS_TIMEOUT_MS, 3000));
}

async function getReviews(f: MeshFetch, env: ProductpageEnv, id: string, headers: Record<string, string>): Promise<CallResult<Reviews>> {
  let res: CallResult<Reviews> = { status: 500, body: null };
  for (let attempt = 0; attempt < 2; attempt++) {
    res = await getJson<Reviews>(f, `${serviceUrl(env, 'reviews')}/reviews/${id}`, headers, msVar(env.REVIEWS_TIMEOUT_MS, 3000));
    if (res.status === 200) return res;
  }
  return res;
}

async function getRatings(f: MeshFetch, env: ProductpageEnv, id: string, headers: Record<string, string>): Promise<CallResult<unknown>> {
  return getJson<unknown>(f, `${serviceUrl(env, 'ratings')}/ratings/${id}`, headers, msVar(env.RATINGS_TIMEOUT_MS, 3000));
}

/** Which reviews version answered: the `version` field, else parsed from `podname` (reviews-v2-…). */
function reviewsVersionOf(body: Reviews | null): string {
  if (!body) return 'unknown';
  if (typeof body.version === 'string' && /^v\d+$/.test(body.version)) return body.version;
  const m = typeof body.podname === 'string' ? /^reviews-(v\d+)/.exec(body.podname) : null;
  return m?.[1] ?? 'unknown';
}

function renderStars(rating: NonNullable<Review['rating']>): string {
  const stars = rating.stars;
  if (typeof stars === 'number' && Number.isInteger(stars) && stars > 0 && stars <= 5) {
    const color = typeof rating.color === 'string' && /^[a-z]{1,20}$/.test(rating.color) ? rating.color : 'black';
    return `<span class="stars" data-stars="${stars}" data-color="${color}" style="color: ${color}">${'★'.repeat(stars)}${'☆'.repeat(5 - stars)}</span>`;
  }
  if (rating.error !== undefined) return `<p class="rating-error"><i>${escapeHtml(rating.error)}</i></p>`;
  return '';
}

function renderDetails(res: CallResult<Details>): string {
  if (res.status !== 200 || !res.body) {
    return `<h4 class="text-center">Error fetching product details!</h4>\n<p>${escapeHtml(DETAILS_UNAVAILABLE)}</p>`;
  }
  const d = res.body;
  const row = (label: string, key: string) => `<dt>${label}:</dt><dd>${escapeHtml(d[key] ?? '')}</dd>`;
  return [
    '<h4 class="text-center">Book Details</h4>',
    '<dl class="details">',
    row('Type', 'type'),
    row('Pages', 'pages'),
    row('Publisher', 'publisher'),
    row('Language', 'language'),
    row('ISBN-10', 'ISBN-10'),
    row('ISBN-13', 'ISBN-13'),
    '</dl>',
  ].join('\n');
}

function renderReviews(res: CallResult<Reviews>): string {
  if (res.status !== 200 || !res.body) {
    return `<div class="reviews" data-reviews-version="unavailable">\n<h4 class="text-center">Error fetching product reviews!</h4>\n<p>${escapeHtml(REVIEWS_UNAVAILABLE)}</p>\n</div>`;
  }
  const version = reviewsVersionOf(res.body);
  const items = (Array.isArray(res.body.reviews) ? res.body.reviews : []).map((r) =>
    [
      '<blockquote class="review">',
      `<p>${escapeHtml(r.text ?? '')}</p>`,
      `<small class="reviewer">${escapeHtml(r.reviewer ?? '')}</small>`,
      r.rating ? renderStars(r.rating) : '',
      '</blockquote>',
    ].filter(Boolean).join('\n'),
  );
  return [
    `<div class="reviews" data-reviews-version="${escapeHtml(version)}">`,
    '<h4 class="text-center">Book Reviews</h4>',
    ...items,
    `<p class="served-by"><small>reviews-${escapeHtml(version)}</small></p>`,
    '</div>',
  ].join('\n');
}

function loginForm(): string {
  return `<form method="post" action="/login" name="login_form" class="login">
<input type="text" name="username" id="username" placeholder="User Name" autocomplete="username">
<input type="password" name="passwd" placeholder="Password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>`;
}

function layout(title: string, user: string, body: string): string {
  const nav = user
    ? `<span class="user" data-user="${escapeHtml(user)}">${escapeHtml(user)} ( <a href="/logout">sign out</a> )</span>`
    : `<details class="signin"><summary>Sign in</summary>\n${loginForm()}\n</details>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/bookinfo.css">
</head>
<body>
<nav class="navbar"><a class="brand" href="/productpage">BookInfo Sample</a><div class="navbar-right">${nav}</div></nav>
${body}
</body>
</html>
`;
}

const CSS = `body{font-family:system-ui,sans-serif;margin:0;color:#222}
.navbar{display:flex;justify-content:space-between;align-items:center;background:#222;color:#eee;padding:.6em 1.2em}
.navbar a{color:#9cf}.brand{font-weight:bold;text-decoration:none}
.container{padding:1em 2em}.row{display:flex;flex-wrap:wrap;gap:2em}.col{flex:1;min-width:18em}
h3,h4{color:#337ab7}.text-center{text-align:center}
dl.details dt{font-weight:bold}dl.details dd{margin:0 0 .4em 0}
blockquote{border-left:4px solid #ddd;margin:1em 0;padding:.3em 1em}
.stars{font-size:1.3em;letter-spacing:.1em}.served-by{color:#888;font-size:.8em}
form.login input{display:block;margin:.3em 0}
`;

const app = new Hono<AppEnv>();

app.onError((err, c) => c.text(`productpage: ${err.message}\n`, 500));

app.get('/health', (c) => c.text('Product page is healthy'));

app.get('/', (c) =>
  c.html(layout('Simple Bookstore App', userOf(c), `<div class="container">
<h3>Hello! This is a simple bookstore application consisting of four services as shown below</h3>
<p>productpage → details; productpage → reviews (v1, v2, v3) → ratings, every call through the meshgate egress gateway.</p>
<p><a href="/productpage">Normal user</a> · <a href="/login">Test user</a></p>
</div>`)),
);
app.get('/index.html', (c) => c.redirect('/', 302));

app.get('/static/bookinfo.css', (c) => c.body(CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }));
app.get('/static/*', (c) => c.text('not found\n', 404));

/** Where to go after login/logout: the referring page's path (same site only), else /productpage. */
function backTo(c: Context): string {
  const ref = c.req.header('referer');
  if (ref) {
    try {
      const u = new URL(ref);
      const path = u.pathname + u.search;
      if (path.startsWith('/') && !path.startsWith('//') && u.pathname !== '/login' && u.pathname !== '/logout') return path;
    } catch {
      // not a URL: ignore
    }
  }
  return '/productpage';
}

app.get('/login', (c) => {
  if (userOf(c)) return c.redirect('/productpage', 302);
  return c.html(layout('Sign in - Simple Bookstore App', '', `<div class="container">\n<h4>Please sign in</h4>\n${loginForm()}\n</div>`));
});

app.post('/login', async (c) => {
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const raw = form['username'] ?? form['user'];
  const user = typeof raw === 'string' ? raw.trim() : '';
  if (!USER_RE.test(user)) return c.text('invalid user name: use 1-64 letters, digits or ._@+-\n', 400);
  setCookie(c, 'user', user, { path: '/', httpOnly: true, sameSite: 'Lax' });
  return c.redirect(backTo(c), 302);
});

app.get('/logout', (c) => {
  deleteCookie(c, 'user', { path: '/' });
  return c.redirect(backTo(c), 302);
});

const mesh = meshFetchMiddleware((c) => ({ identity: identityOf(c.env as ProductpageEnv, 'productpage'), propagate: PROPAGATE }));
app.use('/productpage', mesh);
app.use('/api/v1/products/*', mesh);

app.get('/productpage', async (c) => {
  const user = userOf(c);
  const headers = forwardHeaders(c);
  const product = PRODUCTS[0];
  const [details, reviews] = await Promise.all([
    getDetails(c.var.meshFetch, c.env, '0', headers),
    getReviews(c.var.meshFetch, c.env, '0', headers),
  ]);
  const body = `<div class="container">
<div class="row"><div class="col">
<h3 class="text-center product-title">${escapeHtml(product.title)}</h3>
<p class="summary">Summary: ${product.descriptionHtml}</p>
</div></div>
<div class="row">
<div class="col details-col">
${renderDetails(details)}
</div>
<div class="col reviews-col">
${renderReviews(reviews)}
</div>
</div>
</div>`;
  return c.html(layout('Simple Bookstore App', user, body));
});

app.get('/api/v1/products', (c) => c.json(PRODUCTS));

function apiId(c: Context): string | null {
  const raw = c.req.param('id') ?? '';
  return /^\d{1,9}$/.test(raw) ? String(Number(raw)) : null;
}

app.get('/api/v1/products/:id', async (c) => {
  const id = apiId(c);
  if (id === null) return c.json({ error: 'please provide numeric product id' }, 400);
  const res = await getDetails(c.var.meshFetch, c.env, id, forwardHeaders(c));
  return res.status === 200 && res.body ? c.json(res.body) : c.json({ error: DETAILS_UNAVAILABLE }, statusOf(res));
});

app.get('/api/v1/products/:id/reviews', async (c) => {
  const id = apiId(c);
  if (id === null) return c.json({ error: 'please provide numeric product id' }, 400);
  const res = await getReviews(c.var.meshFetch, c.env, id, forwardHeaders(c));
  return res.status === 200 && res.body ? c.json(res.body) : c.json({ error: REVIEWS_UNAVAILABLE }, statusOf(res));
});

app.get('/api/v1/products/:id/ratings', async (c) => {
  const id = apiId(c);
  if (id === null) return c.json({ error: 'please provide numeric product id' }, 400);
  const res = await getRatings(c.var.meshFetch, c.env, id, forwardHeaders(c));
  return res.status === 200 && res.body !== null ? c.json(res.body as object) : c.json({ error: RATINGS_UNAVAILABLE }, statusOf(res));
});

/** Istio's app answers with the upstream's status (500 when there was none). */
function statusOf(res: CallResult<unknown>): 400 | 401 | 403 | 404 | 429 | 500 | 502 | 503 | 504 {
  const ok = [400, 401, 403, 404, 429, 500, 502, 503, 504] as const;
  return (ok as readonly number[]).includes(res.status) ? (res.status as (typeof ok)[number]) : 500;
}

export default app;
