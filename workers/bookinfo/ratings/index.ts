// bookinfo ratings v1: the stars each reviewer gave (Istio's ratings.js, static data).
import { Hono } from 'hono';
import { productId, type BookinfoEnv } from '../shared.ts';

const app = new Hono<{ Bindings: BookinfoEnv }>();

app.get('/health', (c) => c.json({ status: 'Ratings is healthy' }));

app.get('/ratings/:id', (c) => {
  const id = productId(c.req.param('id'));
  if (id === null) return c.json({ error: 'please provide numeric product ID' }, 400);
  return c.json({ id, ratings: { Reviewer1: 5, Reviewer2: 4 } });
});

export default app;
