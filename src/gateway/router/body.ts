// Request bodies: streamed through untouched unless a retry or a mirror needs to send them again;
// then buffered up to a limit, beyond which the request is sent once (not retried), as Envoy's
// per_request_buffer_limit_bytes does.

export type ReplayableBody = { kind: 'none' } | { kind: 'buffered'; bytes: Uint8Array } | { kind: 'stream'; stream: ReadableStream<Uint8Array> };

export const DEFAULT_RETRY_BUFFER_BYTES = 1024 * 1024;

const NO_BODY: ReplayableBody = { kind: 'none' };

/** The body as it will be sent; synchronous (no promise) unless it has to be buffered. */
export function prepareBody(req: Request, needReplay: boolean, limit: number): ReplayableBody | Promise<ReplayableBody> {
  const body = req.body;
  if (!body) return NO_BODY;
  if (!needReplay) return { kind: 'stream', stream: body };
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return { kind: 'stream', stream: body };
  return buffer(body, limit);
}

async function buffer(body: ReadableStream<Uint8Array>, limit: number): Promise<ReplayableBody> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      // Too large to replay: send what was read followed by the rest, once.
      const rest = reader;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (const ch of chunks) c.enqueue(ch);
        },
        async pull(c) {
          const r = await rest.read();
          if (r.done) c.close();
          else c.enqueue(r.value);
        },
        cancel(reason) {
          return rest.cancel(reason);
        },
      });
      return { kind: 'stream', stream };
    }
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const ch of chunks) {
    bytes.set(ch, off);
    off += ch.byteLength;
  }
  return { kind: 'buffered', bytes };
}

/** A body for one send: buffered bodies can be sent any number of times, streams once. */
export function bodyFor(b: ReplayableBody): BodyInit | null {
  return b.kind === 'none' ? null : b.kind === 'buffered' ? b.bytes : b.stream;
}

export const canReplay = (b: ReplayableBody) => b.kind !== 'stream';
