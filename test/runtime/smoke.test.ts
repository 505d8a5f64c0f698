import { exports } from 'cloudflare:workers';
import { expect, test } from 'vitest';
test('control plane worker answers healthz in workerd', async () => {
  const res = await exports.default.fetch('http://cp/healthz');
  expect(await res.text()).toBe('pong');
});
