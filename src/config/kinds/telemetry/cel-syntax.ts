// A syntax sanity check for CEL expressions (Telemetry access-log filters, metric tag values).
// Istio parses them with cel-go (validation_istiod.go validateTelemetryFilter); meshgate does not
// ship a CEL parser, so this is NOT a full CEL parser: it catches obviously malformed input
// (empty, unbalanced brackets, unterminated string literals, a dangling operator) and lets
// anything else through. Anything it rejects, cel-go rejects too.

const TRAILING_OPS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '!', '.', ',', '?', ':'];
const LEADING_OPS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '+', '*', '/', '%', '.', ',', '?', ':'];
const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** The first obvious syntax error in a CEL expression, or undefined. */
export function celSyntaxError(expr: string): string | undefined {
  if (expr.trim() === '') return 'expression is empty';
  const stack: { open: string; at: number }[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'") {
      // An r/R (raw) and/or b/B (bytes) prefix was scanned as identifier characters just before.
      const prefix = (/[A-Za-z0-9_]*$/.exec(expr.slice(0, i))?.[0] ?? '').toLowerCase();
      const raw = ['r', 'rb', 'br'].includes(prefix);
      const triple = expr.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      const start = i;
      i += quote.length;
      let closed = false;
      while (i < expr.length) {
        if (!raw && expr[i] === '\\') {
          i += 2;
          continue;
        }
        if (!triple && expr[i] === '\n') break;
        if (expr.startsWith(quote, i)) {
          i += quote.length;
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) return `unterminated string literal starting at column ${start + 1}`;
      continue;
    }
    if (c in CLOSER) stack.push({ open: c, at: i });
    else if (c === ')' || c === ']' || c === '}') {
      const top = stack.pop();
      if (!top || CLOSER[top.open] !== c) return `unexpected '${c}' at column ${i + 1}`;
    }
    i++;
  }
  const open = stack.pop();
  if (open) return `unclosed '${open.open}' at column ${open.at + 1}`;
  const text = expr.trim();
  const trailing = TRAILING_OPS.find((op) => text.endsWith(op));
  if (trailing) return `expression ends with operator '${trailing}'`;
  const leading = LEADING_OPS.find((op) => text.startsWith(op));
  if (leading) return `expression starts with operator '${leading}'`;
  return undefined;
}
