import { createServer } from 'node:net';

// Checking listener ports before workerd starts, so a taken port is reported by role
// ("ingress port 8080 is already in use") instead of as workerd's generic startup failure.

export class PortInUseError extends Error {
  constructor(
    readonly role: string,
    readonly host: string,
    readonly port: number,
    readonly flag: string,
  ) {
    super(`${role} port ${port} is already in use on ${host}: stop what listens there or pass ${flag} N (0 picks a free port)`);
    this.name = 'PortInUseError';
  }
}

/** Resolves when `port` on `host` can be bound right now (port 0 always can). */
export async function checkPortFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return true;
  return await new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}
