/**
 * Similarity of two faces, 0-100, as Rekognition reports it (CompareFaces' Similarity,
 * SearchFaces' Similarity), as a documented function of their embeddings.
 *
 * With c the cosine of the angle between the two embeddings (for unit vectors c = a·b, and the
 * euclidean distance d satisfies d² = 2 − 2c):
 *
 *     similarity = 100 × clamp((c − 0.6) / 0.4, 0, 1)  =  100 × clamp(1 − d² / 0.8, 0, 1)
 *
 * so identical embeddings score 100, c = 0.98 (d ≈ 0.20) scores 95, c = 0.94 (d ≈ 0.35)
 * scores 85, and anything at or below c = 0.6 (d ≥ 0.89) scores 0. The fixture embeddings
 * are calibrated against it: images of one persona lie at c ≈ 0.99 (≈ 97.5), the look-alike
 * at c ≈ 0.94 (≈ 85) to its persona, and different personas are orthogonal (c ≈ 0 → 0).
 *
 * The cosine is computed with the vectors' norms, so it also behaves for vectors that are
 * not exactly unit length. Values are rounded to 5 decimals, like Rekognition's output.
 */
export const SIMILARITY_COSINE_FLOOR = 0.6;

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`embedding lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/** Maps a cosine to a 0-100 similarity (see the module comment). */
export function similarityFromCosine(c: number): number {
  const s = (c - SIMILARITY_COSINE_FLOOR) / (1 - SIMILARITY_COSINE_FLOOR);
  const clamped = Math.min(1, Math.max(0, s));
  return Math.round(clamped * 100 * 1e5) / 1e5;
}

/** Similarity 0-100 between two embeddings. */
export function similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return similarityFromCosine(cosine(a, b));
}

/**
 * The model engine's similarity: a function of the euclidean distance d between two face-api
 * descriptors (128 values, not unit length; face-api itself calls d < 0.6 "the same person").
 * Two straight pieces, continuous at the knee d = 0.52:
 *
 *     d ≤ 0.52:        similarity = 100 − 10 d / 0.52     (d = 0.26 → 95, d = 0.52 → 90)
 *     0.52 < d < 1.42: similarity = 90 − 100 (d − 0.52)   (d = 0.62 → 80, d = 0.72 → 70, d ≥ 1.42 → 0)
 *
 * So FaceMatchThreshold 90 (the face-login app's) accepts d ≤ 0.52, 80 (AWS's default) about
 * face-api's own 0.6, and 95 only near-copies of one photo (d ≤ 0.26). Chosen from measured
 * distances: one person's independent photos at d ≈ 0.38-0.52 (two webcam frames of one
 * person in opencv-doc: 0.50), different people at 0.47-0.93, most above 0.6 (the faces of
 * face-api's group photos and opencv-doc's four-person picture: 0.56 and up); derived copies
 * (re-encoded, rescaled, cropped, brighter, mirrored) at 0.05-0.35. `npm run bench` measures
 * the false-accept and false-reject rates at 80, 90 and 95; README's Faces section has them.
 */
export const MODEL_KNEE_DISTANCE = 0.52;

export function similarityFromDistance(d: number): number {
  const s = d <= MODEL_KNEE_DISTANCE ? 100 - (10 * d) / MODEL_KNEE_DISTANCE : 90 - 100 * (d - MODEL_KNEE_DISTANCE);
  const clamped = Math.min(100, Math.max(0, s));
  return Math.round(clamped * 1e5) / 1e5;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`embedding lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** Similarity 0-100 between two model descriptors. */
export function modelSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return similarityFromDistance(euclidean(a, b));
}
