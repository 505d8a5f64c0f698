import { z } from 'zod';

// Istio durations: protobuf Duration (`1.5s`) and the Go forms Kubernetes users write (`1h30m`,
// `100ms`). Istio's validator wants ≥1ms and millisecond precision
// (pkg/config/validation/agent/validation.go ValidateDuration).
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/y;

/** Milliseconds in a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  if (text === '0') return 0;
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Number.isFinite(ms) ? Math.round(ms * 1e6) / 1e6 : undefined;
}

/** Istio-style duration text for a number of milliseconds (`1.5s`, `250ms`). */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : ms > 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

interface DurationOptions {
  /** Allow `0s` (e.g. tcp idleTimeout, where 0 disables). */
  allowZero?: boolean;
  /** Whole seconds only (CORS maxAge). */
  seconds?: boolean;
}

export function duration(opts: DurationOptions = {}) {
  return z.string().superRefine((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)}: use a number and a unit, e.g. 1s, 0.5s, 100ms, 1h30m` });
      return;
    }
    if (ms === 0 && opts.allowZero) return;
    if (ms < 1) ctx.addIssue({ code: 'custom', message: 'duration must be greater than 1ms' });
    else if (!Number.isInteger(ms)) ctx.addIssue({ code: 'custom', message: 'only durations to ms precision are supported' });
    else if (opts.seconds && ms % 1000 !== 0) ctx.addIssue({ code: 'custom', message: 'max_age duration is accurate only to seconds precision' });
  });
}
