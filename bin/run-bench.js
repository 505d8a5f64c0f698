#!/usr/bin/env node
// `npm run bench`: runs every bench/*.ts (or the ones named on the command line) with tsx, one
// after another, in this process. Benches print their own tables; nothing here is a test.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const args = process.argv.slice(2);
const files = args.length ? args.map((a) => resolve(a)) : readdirSync(benchDir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(benchDir, f));
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  await import(pathToFileURL(file).href);
}
