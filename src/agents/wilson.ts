/**
 * Lower bound of the Wilson score interval for a success rate (z = 1.96, 95%): ranks an agent
 * with 9/10 below one with 95/100, and one with no outcomes at 0.
 */
export function wilsonLowerBound(successes: number, total: number, z = 1.96): number {
  if (total <= 0) return 0;
  const p = successes / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const margin = z * Math.sqrt((p * (1 - p) + z2 / (4 * total)) / total);
  return Math.max(0, (centre - margin) / (1 + z2 / total));
}
