import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flagValue, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { connect } from './remote.ts';

// `meshgate ca bundle | issue | rotate`: the mesh CA (meshgate's Citadel). `bundle` prints the
// trust bundle (root certificates; `-o json` adds the JWT-SVID JWKS). `issue` gets an X.509 SVID
// and its key for a workload outside the edge — e.g. for `wrangler mtls-certificate upload`. The
// key is printed or written once and never stored by the CLI.

const FLAGS: readonly FlagSpec[] = [
  { name: 'namespace', short: 'n', type: 'string', value: 'NS', description: 'issue, bootstrap: the workload namespace' },
  { name: 'service-account', type: 'string', value: 'SA', description: 'issue, bootstrap: the workload service account' },
  { name: 'ttl', type: 'string', value: 'DURATION', description: 'issue: certificate lifetime (default 24h)' },
  { name: 'out-dir', type: 'string', value: 'DIR', description: 'issue: write cert.pem, key.pem, root-cert.pem there (mode 0600 for the key) instead of printing' },
  { name: 'overlap', type: 'string', value: 'DURATION', description: 'rotate: how long the old root stays trusted (default 168h)' },
  { name: 'output', short: 'o', type: 'string', value: 'pem|json', description: 'bundle: output format (default pem)' },
];

export const ca: Command = {
  name: 'ca',
  summary: 'The mesh CA: print the trust bundle, issue workload certificates and Worker bootstrap secrets, rotate the root',
  usage: 'ca bundle [-o pem|json] | ca issue -n NS --service-account SA [--ttl 24h] [--out-dir DIR] | ca bootstrap -n NS --service-account SA | ca rotate [--overlap 168h]',
  description:
    'bundle  print the mesh trust bundle (root certificates, PEM; -o json adds the JWT-SVID keys)\n' +
    'issue   get a certificate (URI SAN spiffe://<trust-domain>/ns/NS/sa/SA) and its private key\n' +
    '        for a workload outside the edge; upload it with `wrangler mtls-certificate upload`\n' +
    'bootstrap  create (or replace) the bootstrap secret a Worker trades for JWT-SVIDs of NS/SA;\n' +
    '        printed once: store it with `wrangler secret put MESHGATE_IDENTITY_SECRET`\n' +
    'rotate  start a new root; the old one stays trusted for --overlap',
  examples: ['meshgate ca bundle > root-cert.pem', 'meshgate ca issue -n shop --service-account checkout --out-dir ./certs', 'meshgate ca bootstrap -n shop --service-account checkout', 'meshgate ca rotate --overlap 168h'],
  flags: [...FLAGS, ...CONNECTION_FLAGS],
  maxArgs: 1,
  async run({ args, print }) {
    const sub = args.positionals[0];
    const client = connect(args, print);
    if (sub === 'bundle') {
      const out = flagValue(args, 'output') ?? 'pem';
      if (out !== 'pem' && out !== 'json') throw new UsageError(`invalid -o "${out}" for ca bundle: use pem or json`, "Run 'meshgate ca --help' for usage.");
      const res = await client.request<{ pem: string } | string>('GET', out === 'pem' ? '/v1/ca/bundle?format=pem' : '/v1/ca/bundle');
      print.io.stdout(typeof res.body === 'string' ? res.body : `${JSON.stringify(res.body, null, 2)}\n`);
      return EXIT_OK;
    }
    if (sub === 'issue') {
      const namespace = flagValue(args, 'namespace');
      const serviceAccount = flagValue(args, 'service-account');
      if (!namespace || !serviceAccount) throw new UsageError('ca issue needs -n NS and --service-account SA', 'e.g. meshgate ca issue -n shop --service-account checkout');
      const ttl = flagValue(args, 'ttl');
      const res = await client.request<{ spiffeId: string; certPem: string; keyPem: string; chainPem: string[]; rootPem: string; notAfter: string }>('POST', '/v1/ca/issue', {
        body: JSON.stringify({ namespace, serviceAccount, ...(ttl ? { ttl } : {}) }),
        contentType: 'application/json',
      });
      const s = res.body;
      const dir = flagValue(args, 'out-dir');
      if (dir) {
        const d = resolve(print.io.cwd, dir);
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'cert.pem'), s.chainPem.join(''));
        writeFileSync(join(d, 'key.pem'), s.keyPem, { mode: 0o600 });
        writeFileSync(join(d, 'root-cert.pem'), s.rootPem);
        print.out(`issued ${s.spiffeId} (valid until ${s.notAfter}): ${join(dir, 'cert.pem')}, ${join(dir, 'key.pem')}, ${join(dir, 'root-cert.pem')}`);
        print.out(`upload it with: npx wrangler mtls-certificate upload --cert ${join(dir, 'cert.pem')} --key ${join(dir, 'key.pem')} --name ${serviceAccount}`);
      } else {
        print.io.stdout(`# ${s.spiffeId}, valid until ${s.notAfter}\n${s.chainPem.join('')}${s.keyPem}`);
      }
      return EXIT_OK;
    }
    if (sub === 'bootstrap') {
      const namespace = flagValue(args, 'namespace');
      const serviceAccount = flagValue(args, 'service-account');
      if (!namespace || !serviceAccount) throw new UsageError('ca bootstrap needs -n NS and --service-account SA', 'e.g. meshgate ca bootstrap -n shop --service-account checkout');
      const res = await client.request<{ secret: string; spiffeId: string }>('POST', '/v1/identity/bootstrap', {
        body: JSON.stringify({ namespace, serviceAccount }),
        contentType: 'application/json',
      });
      // The secret is shown once (only its hash is stored); any previous secret of this workload no longer works.
      print.io.stdout(`${res.body.secret}\n`);
      print.err(`bootstrap secret for ${res.body.spiffeId} (replaces any previous one). Give it to the Worker with:\n  npx wrangler secret put MESHGATE_IDENTITY_SECRET\nand bind MESH_IDENTITY to the control plane: [[services]] binding = "MESH_IDENTITY" service = "meshgate-control-plane" entrypoint = "XdsService"`);
      return EXIT_OK;
    }
    if (sub === 'rotate') {
      const overlap = flagValue(args, 'overlap');
      const res = await client.request<{ pem: string }>('POST', `/v1/ca/rotate${overlap ? `?overlap=${encodeURIComponent(overlap)}` : ''}`);
      const roots = res.body.pem.split('BEGIN CERTIFICATE').length - 1;
      print.out(`rotated: the bundle now trusts ${roots} roots (the newest first); gateways pick it up on their next poll`);
      return EXIT_OK;
    }
    throw new UsageError(sub ? `unknown ca subcommand "${sub}": use bundle, issue, bootstrap or rotate` : 'ca needs a subcommand: bundle, issue, bootstrap or rotate', "Run 'meshgate ca --help' for usage.");
  },
};
