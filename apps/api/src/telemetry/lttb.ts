/**
 * Largest-Triangle-Three-Buckets (Steinarsson, 2013): keeps `threshold` of the points,
 * always the first and the last, choosing in each slice the point that forms the largest
 * triangle with the previous pick and the next slice's average, so peaks and dips survive
 * where picking every n-th point or averaging would lose them.
 */
export function lttb<T>(
  points: readonly T[],
  threshold: number,
  y: (point: T) => number,
  x: (point: T) => number,
): T[] {
  if (threshold >= points.length) return [...points];
  if (threshold < 3) return [points[0] as T, points[points.length - 1] as T].slice(0, threshold);
  const picked: T[] = [];
  const every = (points.length - 2) / (threshold - 2);
  let previous = 0;
  picked.push(points[0] as T);
  for (let slice = 0; slice < threshold - 2; slice += 1) {
    const nextStart = Math.floor((slice + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((slice + 2) * every) + 1, points.length);
    let avgX = 0;
    let avgY = 0;
    for (let index = nextStart; index < nextEnd; index += 1) {
      avgX += x(points[index] as T);
      avgY += y(points[index] as T);
    }
    const nextLength = Math.max(nextEnd - nextStart, 1);
    avgX /= nextLength;
    avgY /= nextLength;

    const start = Math.floor(slice * every) + 1;
    const end = Math.floor((slice + 1) * every) + 1;
    const anchor = points[previous] as T;
    const anchorX = x(anchor);
    const anchorY = y(anchor);
    let bestArea = -1;
    let best = start;
    for (let index = start; index < end; index += 1) {
      const point = points[index] as T;
      const area = Math.abs(
        (anchorX - avgX) * (y(point) - anchorY) - (anchorX - x(point)) * (avgY - anchorY),
      );
      if (area > bestArea) {
        bestArea = area;
        best = index;
      }
    }
    picked.push(points[best] as T);
    previous = best;
  }
  picked.push(points[points.length - 1] as T);
  return picked;
}
