// Stand-in for src/gateway/worker.ts (developer use only, via MESHGATE_DEV_ENTRIES): answers 404 to everything and
// polls the control plane over the XDS binding on requests, ACKing each snapshot, so syncz shows it.
type Env = { XDS: { discover(r: unknown): Promise<any> }; MESHGATE_NODE_ID: string; MESHGATE_REFRESH_MS: string };
export function stubGateway(role: 'ingress' | 'egress', labels: Record<string, string>) {
  let version: string | undefined;
  let nonce: string | undefined;
  let last = 0;
  async function refresh(env: Env) {
    const res = await env.XDS.discover({ node: { id: env.MESHGATE_NODE_ID, role, namespace: 'istio-system', labels }, version_info: version, response_nonce: nonce });
    if (res.kind === 'full') {
      nonce = res.nonce;
      const v = res.snapshot.version;
      await env.XDS.discover({ node: { id: env.MESHGATE_NODE_ID, role, namespace: 'istio-system', labels }, version_info: v, response_nonce: nonce });
      version = v;
    }
    last = Date.now();
  }
  return {
    async fetch(req: Request, env: Env, ctx: ExecutionContext) {
      if (!version) await refresh(env);
      else if (Date.now() - last > Number(env.MESHGATE_REFRESH_MS)) ctx.waitUntil(refresh(env));
      return new Response(null, { status: 404 });
    },
  };
}
