// Request bodies: streamed through untouched unless a retry or a mirror needs to send them again;
// then kept up to a limit, beyond which the request is sent once (not retried), as Envoy's
// per_request_buffer_limit_bytes does. A body of declared length within the limit is read first
// (it is bounded and usually already here); one of unknown length (chunked uploads, gRPC
// streams) is sent at once while a copy is kept, as Envoy buffers while it streams, so a
// streaming client is never held back waiting for its own body to end.

export type ReplayableBody =
  | { kind: 'none' }
  | { kind: 'buffered'; bytes: Uint8Array }
  | { kind: 'stream'; stream: ReadableStream<Uint8Array> }
  /** Sent as `stream` the first time; `replay` is the whole body once it ended within the limit, else undefined. */
  | { kind: 'teed'; stream: ReadableStream<Uint8Array>; replay: Promise<Uint8Array | undefined> };

export const DEFAULT_RETRY_BUFFER_BYTES = 1024 * 1024;

const NO_BODY: ReplayableBody = { kind: 'none' };

/** The body as it will be sent; synchronous (no promise) unless it has to be buffered. */
export function prepareBody(req: Request, needReplay: boolean, limit: number): ReplayableBody | Promise<ReplayableBody> {
  const body = req.body;
  if (!body) return NO_BODY;
  if (!needReplay) return { kind: 'stream', stream: body };
  const length = req.headers.get('content-length');
  if (length === null) return teed(body, limit);
  const declared = Number(length);
  if (Number.isFinite(declared) && declared > limit) return { kind: 'stream', stream: body };
  return buffer(body, limit);
}

function teed(body: ReadableStream<Uint8Array>, limit: number): ReplayableBody {
  const [stream, copy] = body.tee();
  const replay = keep(copy, limit);
  return { kind: 'teed', stream, replay };
}

/** The copy's bytes when it ends within `limit`; past the limit (or on error) it is dropped. */
async function keep(copy: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | undefined> {
  const reader = copy.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return concat(chunks, size);
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    return undefined;
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const ch of chunks) {
    bytes.set(ch, off);
    off += ch.byteLength;
  }
  return bytes;
}

/**
 * The body for a try after the first: buffered bodies as they are; a teed one once its copy is
 * complete (undefined when it outgrew the limit: no retry); a plain stream never.
 */
export async function replayable(b: ReplayableBody): Promise<ReplayableBody | undefined> {
  if (b.kind === 'teed') {
    const bytes = await b.replay;
    return bytes ? { kind: 'buffered', bytes } : undefined;
  }
  return b.kind === 'stream' ? undefined : b;
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
  return { kind: 'buffered', bytes: concat(chunks, size) };
}

/** A body for one send: buffered bodies can be sent any number of times, streams (teed or not) once. */
export function bodyFor(b: ReplayableBody): BodyInit | null {
  return b.kind === 'none' ? null : b.kind === 'buffered' ? b.bytes : b.stream;
}

export const canReplay = (b: ReplayableBody) => b.kind !== 'stream';
