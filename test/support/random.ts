/**
 * Seeded xorshift32: deterministic, fast enough to make a million synthetic faces in seconds, for
 * volume tests and the search bench. Each call of the returned function gives the next value as
 * an unsigned 32-bit integer (never 0); callers map it to the distribution they need.
 */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
