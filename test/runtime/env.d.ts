// Types for `env` and `exports` from 'cloudflare:workers' inside the runtime tests (root wrangler.toml).
declare namespace Cloudflare {
  interface Env extends import('../../src/controlplane/admin-api.ts').ControlPlaneEnv {}
  interface Exports {
    default: Fetcher;
  }
}
