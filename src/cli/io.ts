import process from 'node:process';

// Everything the CLI touches outside itself goes through this, so tests run `main` in-process
// with captured output, injected stdin and a temp working directory.
export interface CliIO {
  /** Writes text as is (callers add the newline). */
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of stdin (used for `-f -`). */
  readStdin(): Promise<string>;
  /** Relative paths are resolved against this. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function nodeIO(): CliIO {
  // A reader that stops early (`meshgate get vs | head`) closes the pipe: exit quietly, as kubectl does.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Line-oriented writers over a CliIO. */
export interface Printer {
  io: CliIO;
  out(line?: string): void;
  err(line?: string): void;
}

export function printer(io: CliIO): Printer {
  return { io, out: (l = '') => io.stdout(`${l}\n`), err: (l = '') => io.stderr(`${l}\n`) };
}
