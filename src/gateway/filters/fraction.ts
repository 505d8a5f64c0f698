import type { FractionalPercent } from '../../xds/resources/common.ts';

const DENOMINATOR = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

/** envoy.type.v3.FractionalPercent as a probability in [0, 1]. */
export const fractionOf = (p: FractionalPercent | undefined, absent = 0): number => (p ? Math.min(1, p.numerator / DENOMINATOR[p.denominator]) : absent);
