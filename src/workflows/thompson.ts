/**
 * Thompson sampling over Beta(successes + 1, failures + 1): each candidate's success rate is
 * drawn from its posterior and the highest draw wins. An agent with few outcomes has a wide
 * posterior, so it is tried now and then (exploration); one with many good outcomes wins most
 * draws (exploitation).
 */

export type Random = () => number;

/** A standard normal draw (Box–Muller; `1 - random()` keeps the logarithm finite). */
function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Gamma(shape, 1) by Marsaglia and Tsang (2000), "A simple method for generating gamma
 * variables"; for shape < 1, Gamma(shape + 1) × U^(1/shape).
 */
export function gammaSample(shape: number, random: Random = Math.random): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape ${shape}`);
  if (shape < 1) return gammaSample(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function betaSample(a: number, b: number, random: Random = Math.random): number {
  const x = gammaSample(a, random);
  const y = gammaSample(b, random);
  return x / (x + y);
}

export interface Candidate {
  id: string;
  successes: number;
  failures: number;
}

/** The candidate with the highest draw from Beta(successes + 1, failures + 1); undefined if none. */
export function thompsonPick<T extends Candidate>(
  candidates: readonly T[],
  random: Random = Math.random,
): T | undefined {
  let best: T | undefined;
  let bestDraw = -1;
  for (const candidate of candidates) {
    const draw = betaSample(candidate.successes + 1, candidate.failures + 1, random);
    if (draw > bestDraw) {
      best = candidate;
      bestDraw = draw;
    }
  }
  return best;
}
