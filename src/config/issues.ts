// A finding about a manifest: the document it came from, the resource, the field path and the
// source position, so a user can jump straight to the line (like `istioctl validate`).
export type Severity = 'error' | 'warning' | 'info';

export interface Issue {
  severity: Severity;
  message: string;
  /** Dotted field path, e.g. `spec.http[0].route[1].weight`; empty for the whole document. */
  path: string;
  /** 0-based index of the document in its manifest stream. */
  document?: number;
  source?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  line?: number;
  column?: number;
  /** Istio analyzer message code (IST0101 …) where one exists. */
  code?: string;
}

export type PathSegment = string | number;

/** `['spec','http',0,'route']` → `spec.http[0].route`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_@:$][\w@:$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `file:line:col kind/ns/name path: message`, the one-line form the CLI prints. */
export function formatIssue(i: Issue): string {
  const where = [i.source ?? '<input>', i.line, i.column].filter((x) => x !== undefined).join(':');
  const what = i.kind ? `${i.kind}/${i.namespace ?? ''}${i.namespace ? '/' : ''}${i.name ?? '?'}` : `document ${i.document ?? 0}`;
  const path = i.path ? ` ${i.path}` : '';
  const code = i.code ? ` [${i.code}]` : '';
  return `${where} ${what}${path}: ${i.message}${code}`;
}

export const hasErrors = (issues: readonly Issue[]) => issues.some((i) => i.severity === 'error');
