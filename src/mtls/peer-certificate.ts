// Where a peer's certificate comes from at the edge, as the base64 of its DER (the same text for
// every source, so one certificate is one cache key):
// - RFC 9440 (`cf.tlsClientAuth.certRFC9440`, `Client-Cert`, `Client-Cert-Chain`): sf-binary
//   `:base64:` items; https://www.rfc-editor.org/rfc/rfc9440
// - Envoy's `x-forwarded-client-cert`: `;`-separated `Key=value` pairs, `"`-quoted when needed,
//   one `,`-separated element per hop; `Cert`/`Chain` are URL-encoded PEM.
//   https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert

export interface PeerCertificate {
  /** Base64 DER of the leaf. */
  leaf: string;
  /** Base64 DER of the intermediates, nearest first. */
  chain: string[];
}

const SF_BINARY = /^:([A-Za-z0-9+/]+={0,2}):$/;

/** One RFC 9440 sf-binary item → its base64, or null. */
export function parseRfc9440(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = SF_BINARY.exec(value.trim());
  return m ? m[1]! : null;
}

/** An RFC 9440 list (`Client-Cert-Chain`, `certChainRFC9440`): null when any item is malformed. */
export function parseRfc9440List(value: string | null | undefined): string[] | null {
  if (!value || !value.trim()) return [];
  const out: string[] = [];
  for (const item of value.split(',')) {
    const b64 = parseRfc9440(item);
    if (!b64) return null;
    out.push(b64);
  }
  return out;
}

/** The base64 bodies of the CERTIFICATE blocks of a PEM text, whitespace removed. */
function pemBodies(pem: string): string[] {
  const out: string[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) out.push(m[1]!.replace(/\s+/g, ''));
  return out;
}

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quoted && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t;
}

export interface XfccElement {
  by?: string;
  hash?: string;
  uri?: string;
  cert?: PeerCertificate;
}

/**
 * The last element of an XFCC header — the hop nearest to us, i.e. what the trusted proxy in
 * front says about its own client. Keys are case-insensitive; `Cert`/`Chain` are URL-decoded PEM.
 * Null when the header is absent or malformed.
 */
export function parseXfcc(value: string | null | undefined): XfccElement | null {
  if (!value || !value.trim()) return null;
  const elements = splitOutsideQuotes(value, ',');
  const last = elements[elements.length - 1]!;
  const out: XfccElement = {};
  let leaf: string | undefined;
  let chain: string[] = [];
  for (const pair of splitOutsideQuotes(last, ';')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) return null;
    const key = pair.slice(0, eq).trim().toLowerCase();
    const val = unquote(pair.slice(eq + 1));
    let decoded: string;
    try {
      decoded = key === 'cert' || key === 'chain' ? decodeURIComponent(val) : val;
    } catch {
      return null;
    }
    if (key === 'by') out.by = val;
    else if (key === 'hash') out.hash = val;
    else if (key === 'uri') out.uri = val;
    else if (key === 'cert') {
      const [b] = pemBodies(decoded);
      if (!b) return null;
      leaf = b;
    } else if (key === 'chain') chain = pemBodies(decoded);
  }
  if (leaf) {
    // Envoy's Chain starts with the leaf itself.
    out.cert = { leaf, chain: chain.filter((c) => c !== leaf) };
  }
  return out;
}

/** The XFCC element meshgate sets upstream for a verified peer (Envoy's SANITIZE_SET with Hash and URI). */
export function formatXfcc(peer: { sha256: string; spiffeId: string }): string {
  return `Hash=${peer.sha256};URI=${peer.spiffeId}`;
}
