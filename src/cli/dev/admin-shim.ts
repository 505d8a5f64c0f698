// The worker that listens on the admin port locally. It forwards every request unchanged to the
// control-plane worker over a service binding, except `/healthz`, which answers 200 only once
// the runner has seen the control plane and both gateways answer (DESIGN.md "The contract":
// `GET /healthz` → 200 when ready). The runner's verdict comes from a Node-backed service
// binding (`RUNNER`); once ready, the shim stops asking and `/healthz` is the control plane's own.
//
// Kept as plain JavaScript source so it needs no bundling.
export const ADMIN_SHIM_WORKER = 'meshgate-admin';

export const ADMIN_SHIM_SCRIPT = `
let ready = false;
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/healthz' && !ready) {
      const r = await env.RUNNER.fetch('http://runner/ready');
      if (r.status !== 200) {
        return new Response(await r.text(), { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' } });
      }
      ready = true;
    }
    return env.CONTROL_PLANE.fetch(request);
  },
};
`;
