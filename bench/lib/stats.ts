// Order statistics for bench figures: every figure is the median of several rounds, shown
// with its spread, and latencies are read off sorted samples rather than averaged.

/** The q-quantile (0..1) of already sorted numbers, by linear interpolation. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (at - low);
}

export function quantile(values: readonly number[], q: number): number {
  return quantileSorted([...values].sort((x, y) => x - y), q);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** A figure across rounds: the median is the figure, min and max its spread. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export function figure(rounds: readonly number[]): Figure {
  return { median: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds), rounds: [...rounds] };
}

/** Rounds to a few significant places for the report, keeping integers whole. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
