// Types for `env` and `exports` from 'cloudflare:workers' inside the runtime tests (root wrangler.toml).
type ControlPlaneTestEnv = import('../../src/controlplane/admin-api.ts').ControlPlaneEnv;
declare namespace Cloudflare {
  interface Env extends ControlPlaneTestEnv {}
  interface Exports {
    default: Fetcher;
  }
}
