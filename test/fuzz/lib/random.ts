/**
 * The fuzz suite's only source of randomness: a seeded PRNG (sfc32), so a run is replayed
 * exactly by its seed. The seed is printed; REKOGNITO_FUZZ_SEED replays one.
 */
export const DEFAULT_SEED = 20260101;

export function fuzzSeed(): number {
  const env = process.env.REKOGNITO_FUZZ_SEED;
  if (env === undefined || env === "") return DEFAULT_SEED;
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`REKOGNITO_FUZZ_SEED must be a non-negative integer, got ${env}`);
  return n;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // Spread the seed over the state, then stir.
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
    this.a ^= Math.floor(seed / 2 ** 32) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new Error("pick from nothing");
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((n, [w]) => n + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  string(length: number, alphabet: string): string {
    let s = "";
    for (let i = 0; i < length; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  /** A child generator: its own stream, reproducible from this one. */
  fork(): Random {
    return new Random(this.int(2 ** 31));
  }
}
