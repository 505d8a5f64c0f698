import { createServer, connect as netConnect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { socketProbe, type SocketConnect } from '../../../../src/gateway/router/connect-probe.ts';

// The probe over real TCP on 127.0.0.1: node:net stands in for cloudflare:sockets' `connect`
// (same shape: a socket with `opened` and `close()`); the e2e tests run it in workerd.
const nodeConnect: SocketConnect = ({ hostname, port }) => {
  const s = netConnect(port, hostname);
  const opened = new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  opened.catch(() => {});
  return { opened, close: async () => void s.destroy() };
};

let listener: Server;
let open: number;
let closed: number;
beforeAll(async () => {
  listener = createServer((s) => s.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  open = (listener.address() as { port: number }).port;
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', () => r()));
  closed = (tmp.address() as { port: number }).port;
  await new Promise<void>((r) => tmp.close(() => r()));
});
afterAll(() => listener.close());

describe('socketProbe', () => {
  test('a listening endpoint is open, a closed port refused', async () => {
    const probe = socketProbe(nodeConnect);
    expect(await probe('127.0.0.1', open)).toBe('open');
    expect(await probe('127.0.0.1', closed)).toBe('refused');
  });

  test('connect refusing the destination outright says nothing about the endpoint: treated as open (a reset)', async () => {
    const refuseOutright: SocketConnect = () => {
      throw new Error('connections to this address are not allowed');
    };
    expect(await socketProbe(refuseOutright)('127.0.0.1', closed)).toBe('open');
  });
});
