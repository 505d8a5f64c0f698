import { stringify } from 'yaml';

// Output helpers shared by the verbs: `-o yaml|json` rendering and kubectl's table layout.

export type OutputFormat = 'yaml' | 'json';

export const isOutputFormat = (v: unknown): v is OutputFormat => v === 'yaml' || v === 'json';

/** One value as YAML or JSON, ending with a newline. */
export function render(value: unknown, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  const text = stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Resources as kubectl prints them: one object alone, several (or none) wrapped in a
 * `kind: List` so the output is one document that `apply -f` accepts back.
 */
export function renderResources(items: readonly unknown[], format: OutputFormat, opts: { single?: boolean } = {}): string {
  if (opts.single && items.length === 1) return render(items[0], format);
  return render({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, format);
}

export type Cell = string | number | boolean | null | undefined;

/**
 * kubectl-style table: upper-case header, columns left-aligned and padded to the widest cell,
 * separated by three spaces, no trailing spaces. Empty cells print as `<none>` like kubectl.
 */
export function formatTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [columns.map((c) => c.toUpperCase()), ...rows.map((r) => columns.map((_, i) => cellText(r[i])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => width(r[i]!))));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)))).join('   ').trimEnd())
    .map((l) => `${l}\n`)
    .join('');
}

function cellText(c: Cell): string {
  if (c === undefined || c === null || c === '') return '<none>';
  return String(c).replace(/\s*\n\s*/g, ' ');
}

/** Display width, counting code points (not UTF-16 units) so `✔` and accents align. */
const width = (s: string) => [...s].length;
