// bookinfo reviews: one codebase, three versions chosen by the `VERSION` var (Istio's
// LibertyRestEndpoint.java with ENABLE_RATINGS / STAR_COLOR):
//   v1: no ratings; v2: calls ratings, black stars; v3: calls ratings, red stars.
// Ratings are fetched through the mesh (meshFetch) with the caller's `end-user` and trace headers,
// with Istio's client timeouts: 10s for black stars (v2), 2.5s for red (v3).
import { Hono } from 'hono';
import { meshFetchMiddleware, type MeshFetchVariables } from '../../../src/mesh-fetch/index.ts';
import { RATINGS_UNAVAILABLE } from '../texts.ts';
import { APP_PROPAGATE, getJson, identityOf, msVar, serviceUrl, type BookinfoEnv } from '../shared.ts';

export interface ReviewsEnv extends BookinfoEnv {
  /** v1 | v2 | v3 (default v1). */
  VERSION?: string;
  /** Overrides Istio's ratings timeout (v2 10000 ms, v3 2500 ms). */
  RATINGS_TIMEOUT_MS?: string;
  /** Reported as `podname` (default `reviews-<version>`). */
  PODNAME?: string;
  /** Reported as `clustername` (default `meshgate`). */
  CLUSTER_NAME?: string;
}


type Rating = { stars: number; color: string } | { error: string };
type Ratings = { id?: unknown; ratings?: Record<string, unknown> };

function versionOf(env: ReviewsEnv): 'v1' | 'v2' | 'v3' {
  const v = env.VERSION?.trim().toLowerCase();
  return v === 'v2' || v === 'v3' ? v : 'v1';
}

const REVIEWS = [
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
] as const;

const app = new Hono<{ Bindings: ReviewsEnv; Variables: MeshFetchVariables }>();

app.onError((err, c) => c.text(`reviews: ${err.message}\n`, 500));

app.get('/health', (c) => c.json({ status: 'Reviews is healthy' }));

app.use(
  '/reviews/*',
  meshFetchMiddleware((c) => ({ identity: identityOf(c.env as ReviewsEnv, 'reviews'), propagate: [...APP_PROPAGATE, 'end-user'] })),
);

app.get('/reviews/:id', async (c) => {
  const raw = c.req.param('id');
  if (!/^\d{1,9}$/.test(raw)) return c.json({ error: 'please provide numeric product id' }, 404);
  const id = String(Number(raw));
  const version = versionOf(c.env);
  const ratingsEnabled = version !== 'v1';
  const color = version === 'v3' ? 'red' : 'black';

  let stars: Record<string, unknown> | null = null;
  if (ratingsEnabled) {
    const timeout = msVar(c.env.RATINGS_TIMEOUT_MS, color === 'black' ? 10_000 : 2_500);
    // end-user, user-agent and the trace context come from the incoming request (propagate/from).
    const res = await getJson<Ratings>(c.var.meshFetch, `${serviceUrl(c.env, 'ratings')}/ratings/${id}`, {}, timeout);
    stars = res.status === 200 && res.body && typeof res.body.ratings === 'object' && res.body.ratings ? res.body.ratings : null;
  }

  const reviews = REVIEWS.map((r) => {
    if (!ratingsEnabled) return { ...r };
    const n = stars?.[r.reviewer];
    const rating: Rating = typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 5 ? { stars: n, color } : { error: RATINGS_UNAVAILABLE };
    return { ...r, rating };
  });

  return c.json({
    id,
    podname: c.env.PODNAME?.trim() || `reviews-${version}`,
    clustername: c.env.CLUSTER_NAME?.trim() || 'meshgate',
    version,
    reviews,
  });
});

export default app;
