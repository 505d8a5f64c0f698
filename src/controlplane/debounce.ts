// istiod's push debounce (PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX): a burst of changes becomes
// one push, fired after `quietMs` without a change or `maxMs` after the first, whichever is first.
export class Debounce {
  private firstChange?: number;

  constructor(readonly quietMs = 100, readonly maxMs = 1000) {}

  /** A change happened at `now`: when should the push fire? */
  schedule(now: number): number {
    this.firstChange ??= now;
    return Math.min(now + this.quietMs, this.firstChange + this.maxMs);
  }

  /** The push fired. */
  fired(): void {
    this.firstChange = undefined;
  }
}
