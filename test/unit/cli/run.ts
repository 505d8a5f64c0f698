import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';

// Runs the CLI in-process with captured output, injected stdin and a temp working directory.
export interface RunResult {
  code: number;
  out: string;
  err: string;
  stdinReads: number;
}

export async function run(argv: string[], opts: { cwd?: string; stdin?: string } = {}): Promise<RunResult> {
  let out = '';
  let err = '';
  let stdinReads = 0;
  const io: CliIO = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readStdin: async () => {
      stdinReads++;
      return opts.stdin ?? '';
    },
    cwd: opts.cwd ?? process.cwd(),
    env: {},
  };
  const code = await main(argv, io);
  return { code, out, err, stdinReads };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp directory holding `files` (relative path → content); removed after the test. */
export function tempTree(files: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'meshgate-cli-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

// PeerAuthentication with an empty spec is valid in Istio (it inherits the mesh-wide mode), so
// these fixtures stay valid whatever the kind schemas grow into.
export const pa = (name: string, extraMeta = '') => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}
${extraMeta}spec: {}
`;

/** Unknown metadata field on line 5, column 3. */
export const BAD_PA = pa('bad', '  namspace: x\n');
export const BAD_PA_LINE = (file: string) => `${file}:5:3 PeerAuthentication/default/bad metadata.namspace: unknown field "namspace" (did you mean "namespace"?)`;
