// bookinfo details v1: the book's details (Istio's details.rb, without the external book API).
import { Hono } from 'hono';
import { productId, type BookinfoEnv } from '../shared.ts';

const app = new Hono<{ Bindings: BookinfoEnv }>();

app.get('/health', (c) => c.json({ status: 'Details is healthy' }));

app.get('/details/:id', (c) => {
  const id = productId(c.req.param('id'));
  if (id === null) return c.json({ error: 'please provide numeric product id' }, 400);
  return c.json({
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  });
});

export default app;
