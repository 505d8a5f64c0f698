// Time and randomness come in through one injected source, so tests can pin them
// (DESIGN.md "Inside the two planes").
export interface Runtime {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
}

export const systemRuntime: Runtime = { now: () => Date.now(), random: () => Math.random() };

/** Deterministic runtime for tests: a settable clock and a seeded PRNG (mulberry32). */
export function testRuntime(seed = 1, start = 1_700_000_000_000): Runtime & { advance(ms: number): void } {
  let t = start;
  let s = seed >>> 0;
  return {
    now: () => t,
    advance: (ms: number) => void (t += ms),
    random: () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let r = Math.imul(s ^ (s >>> 15), 1 | s);
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
      return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    },
  };
}
