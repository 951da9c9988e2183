import { grayscale, resize, type RgbImage } from "./pixels.js";

/**
 * The fixture engine's tolerant match: is this image a near-copy of a fixture image (the same
 * picture re-encoded, rescaled, slightly shifted or blurred, or captured through a camera that
 * crops it to its own aspect ratio)? A perceptual signature compared by correlation.
 *
 * The signature is the picture's luma averaged down to 64x64 cells, keeping only its detail
 * (a difference of two blurs: the broad layout that every fixture shares cancels out, the
 * features that tell one drawing from another remain). Two signatures are compared by their
 * correlation where they overlap, over shifts of up to 3 cells and half-cell phases, so a
 * uniform change of brightness or contrast, re-encoding, resizing and a shift of a few percent
 * cost little. A camera of another aspect ratio frames the middle of the picture (Chromium's
 * "crop-and-scale"), so each reference is compared as cut to the query's aspect ratio. A selfie
 * view that flips the picture is matched too: the query is also compared mirrored (and the
 * fixture's faces are then given mirrored, composed-engine.ts).
 *
 * Measured on the fixture set (test/faces/near-copy.test.ts prints it): two different
 * fixtures correlate at most 0.92 (Ana's selfie-1 and her look-alike, drawn in the same
 * scene), other pairs much less; a copy re-encoded at quality 50, rescaled 0.5-2x, shifted by
 * 2%, blurred, 20% brighter, or captured at 640x480 or 1280x720 (4:2:0 chroma, JPEG 0.92)
 * correlates 0.94 or more with its original and leads the next fixture by 0.058 or more. A
 * match needs NEAR_COPY_MIN and a lead of NEAR_COPY_MARGIN over the second best, so the
 * look-alike's copies are never Ana, nor Ana's the look-alike.
 */
export const SIGNATURE_SIDE = 64;
/** How far (in signature cells, ±) a copy may be shifted: 3 of 64 is about 5% of the picture. */
export const MAX_SHIFT_CELLS = 3;
export const NEAR_COPY_MIN = 0.9;
export const NEAR_COPY_MARGIN = 0.03;
/** Aspect ratios further apart than this factor are not compared (no camera crops that much). */
const MAX_CROP_FACTOR = 1.8;
/** References are kept at this longest side: enough for a 64-cell signature of any crop. */
const REFERENCE_SIDE = 256;

/** A luma grid, SIGNATURE_SIDE cells square, of one picture cut to one aspect ratio. */
type Grid = Float32Array;

function gridOf(image: RgbImage): Grid {
  return detail(grayscale(resize(image, SIGNATURE_SIDE, SIGNATURE_SIDE)));
}

/** The picture's luma at twice the signature's resolution, from which the query's grids are cut. */
function fineLuma(image: RgbImage): Float32Array {
  return grayscale(resize(image, 2 * SIGNATURE_SIDE, 2 * SIGNATURE_SIDE));
}

/** A fine luma grid flipped left to right: the mirrored picture's, without resampling it again. */
function mirrorFine(fine: Float32Array): Float32Array {
  const side = 2 * SIGNATURE_SIDE;
  const out = new Float32Array(fine.length);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[y * side + x] = fine[y * side + side - 1 - x]!;
  return out;
}

/**
 * The query's grids at half-cell offsets: the fine luma averaged in 2x2 blocks starting at
 * each of the four phases, so that together with whole-cell shifts a copy moved by any amount
 * lines up within a quarter of a cell.
 */
function phaseGrids(fine: Float32Array): Grid[] {
  const n = SIGNATURE_SIDE;
  const at = (x: number, y: number) => fine[Math.min(2 * n - 1, y) * 2 * n + Math.min(2 * n - 1, x)]!;
  const grids: Grid[] = [];
  for (const [px, py] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
    const g = new Float32Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const fx = 2 * x + px;
        const fy = 2 * y + py;
        g[y * n + x] = (at(fx, fy) + at(fx + 1, fy) + at(fx, fy + 1) + at(fx + 1, fy + 1)) / 4;
      }
    }
    grids.push(detail(g));
  }
  return grids;
}

/**
 * What the match compares: the luma's detail, a difference of two blurs ([1 2 1] once, and
 * three times). The broad layout that every fixture shares (a face in the middle, a
 * background) cancels out; the features that tell one drawing from another (eyes, brows,
 * mouth, hair line) remain, and so does what survives re-encoding and rescaling.
 */
function detail(grid: Grid): Grid {
  const once = smooth(grid);
  const thrice = smooth(smooth(once));
  const out = new Float32Array(grid.length);
  for (let i = 0; i < grid.length; i++) out[i] = once[i]! - thrice[i]!;
  return out;
}

/** A [1 2 1] blur across and down (edges repeated). */
function smooth(grid: Grid): Grid {
  const n = SIGNATURE_SIDE;
  const across = new Float32Array(grid.length);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const l = grid[y * n + Math.max(0, x - 1)]!;
      const r = grid[y * n + Math.min(n - 1, x + 1)]!;
      across[y * n + x] = (l + 2 * grid[y * n + x]! + r) / 4;
    }
  }
  const out = new Float32Array(grid.length);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const u = across[Math.max(0, y - 1) * n + x]!;
      const d = across[Math.min(n - 1, y + 1) * n + x]!;
      out[y * n + x] = (u + 2 * across[y * n + x]! + d) / 4;
    }
  }
  return out;
}

/** A fixture picture the matcher compares against, kept small. */
export class NearCopyReference {
  private readonly image: RgbImage;
  private readonly grids = new Map<string, Grid>();

  constructor(image: RgbImage) {
    const side = Math.max(image.width, image.height);
    this.image = side > REFERENCE_SIDE ? resize(image, Math.max(1, Math.round((image.width * REFERENCE_SIDE) / side)), Math.max(1, Math.round((image.height * REFERENCE_SIDE) / side))) : image;
  }

  get aspect(): number {
    return this.image.width / this.image.height;
  }

  /** The reference as a camera of this aspect ratio would frame it (its middle). */
  gridAt(aspect: number): Grid {
    const key = aspect.toFixed(3);
    let grid = this.grids.get(key);
    if (!grid) {
      grid = gridOf(centralCrop(this.image, aspect));
      this.grids.set(key, grid);
    }
    return grid;
  }
}

/** The middle of an image at the given aspect ratio (the whole image when it already has it). */
export function centralCrop(image: RgbImage, aspect: number): RgbImage {
  const own = image.width / image.height;
  if (Math.abs(Math.log(own / aspect)) < 0.01) return image;
  let w = image.width;
  let h = image.height;
  if (own > aspect) w = Math.max(1, Math.round(h * aspect));
  else h = Math.max(1, Math.round(w / aspect));
  const x0 = Math.floor((image.width - w) / 2);
  const y0 = Math.floor((image.height - h) / 2);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + w) * 3), y * w * 3);
  return { width: w, height: h, data };
}

/**
 * Sums of a grid's values and of their squares over any rectangle of its cells taken every
 * `step`-th cell (summed-area tables, one per step and starting parity), so that a shifted
 * correlation needs one pass for the cross products alone instead of five running sums: the
 * match of one photo against the fixtures took ~40 ms of a photo's analysis, most of it here.
 */
interface Sums {
  /** (side + 1)² prefix sums of the values and of their squares, for one step and parity. */
  side: number;
  sum: Float64Array;
  sq: Float64Array;
}
const sumsCache = new WeakMap<Grid, Sums[]>();

function sumsOf(grid: Grid, step: number, py: number, px: number): Sums {
  let all = sumsCache.get(grid);
  if (!all) sumsCache.set(grid, (all = []));
  const key = step === 1 ? 0 : 1 + py * 2 + px;
  let sums = all[key];
  if (!sums) {
    const n = SIGNATURE_SIDE;
    const side = Math.ceil((n - Math.max(py, px)) / step);
    const w = side + 1;
    const sum = new Float64Array(w * w);
    const sq = new Float64Array(w * w);
    for (let i = 0; i < side; i++) {
      let row = 0;
      let rowSq = 0;
      for (let j = 0; j < side; j++) {
        const y = py + i * step;
        const x = px + j * step;
        const v = y < n && x < n ? grid[y * n + x]! : 0;
        row += v;
        rowSq += v * v;
        sum[(i + 1) * w + j + 1] = sum[i * w + j + 1]! + row;
        sq[(i + 1) * w + j + 1] = sq[i * w + j + 1]! + rowSq;
      }
    }
    all[key] = sums = { side, sum, sq };
  }
  return sums;
}

/** The sums over the cells (y0 + step·i, x0 + step·j), i < ny, j < nx. */
function rectangle(grid: Grid, step: number, y0: number, x0: number, ny: number, nx: number): [number, number] {
  const { side, sum, sq } = sumsOf(grid, step, y0 % step, x0 % step);
  const w = side + 1;
  const i0 = Math.floor(y0 / step);
  const j0 = Math.floor(x0 / step);
  const at = (t: Float64Array) => t[(i0 + ny) * w + j0 + nx]! - t[i0 * w + j0 + nx]! - t[(i0 + ny) * w + j0]! + t[i0 * w + j0]!;
  return [at(sum), at(sq)];
}

/**
 * The correlation (-1..1) of two grids where they overlap with `b` moved by (dx, dy) cells:
 * each side's mean is removed and its spread divided out over the overlap only, so that a
 * shift, a uniform brightness change or a contrast change costs nothing.
 */
function shiftedCorrelation(a: Grid, b: Grid, dx: number, dy: number, step: number): number {
  const n = SIGNATURE_SIDE;
  const y0 = Math.max(0, dy);
  const x0 = Math.max(0, dx);
  const y1 = Math.min(n, n + dy);
  const x1 = Math.min(n, n + dx);
  const ny = Math.ceil((y1 - y0) / step);
  const nx = Math.ceil((x1 - x0) / step);
  const count = ny * nx;
  const [sa, saa] = rectangle(a, step, y0, x0, ny, nx);
  const [sb, sbb] = rectangle(b, step, y0 - dy, x0 - dx, ny, nx);
  let sab = 0;
  for (let y = y0; y < y1; y += step) {
    const ra = y * n;
    const rb = (y - dy) * n - dx;
    for (let x = x0; x < x1; x += step) sab += a[ra + x]! * b[rb + x]!;
  }
  const cov = sab - (sa * sb) / count;
  const va = saa - (sa * sa) / count;
  const vb = sbb - (sb * sb) / count;
  if (va <= 1e-9 || vb <= 1e-9) return 0;
  return cov / Math.sqrt(va * vb);
}

/** The shifts (cells, each way) of the full pass: every one up to MAX_SHIFT_CELLS. */
const FULL_SHIFTS = Array.from({ length: 2 * MAX_SHIFT_CELLS + 1 }, (_, i) => i - MAX_SHIFT_CELLS);
/** The coarse pass's: every other cell (9 shifts instead of 49); the full pass finds the best one. */
const COARSE_SHIFTS = [-2, 0, 2];

/** The best correlation over the shifts (and the given phases), on every `step`-th cell. */
function bestCorrelation(query: readonly Grid[], b: Grid, step: number, shifts: readonly number[]): number {
  let best = -1;
  for (const a of query) {
    for (const dy of shifts) {
      for (const dx of shifts) best = Math.max(best, shiftedCorrelation(a, b, dx, dy, step));
    }
  }
  return best;
}

/** References scored in full after the first, coarse pass (the rest keep their coarse score). */
const REFINED = 3;
/**
 * Only references whose coarse score reaches this are scored in full. Measured on the fixtures
 * and their copies (test/faces/near-copy.test.ts's variants, and a 4% shift, each also
 * mirrored): the coarse score of the fixture a copy came from was 0.503 or more (a shifted copy
 * of the small-face case; the others far higher), while real photographs score at most ~0.20
 * coarse. So a photo that is no fixture (the model engine's every photo) skips the full pass,
 * and on that set every match, its score and its orientation came out as with every reference
 * scored in full: ~21 ms -> ~8 ms a photo at load 2.
 */
export const REFINE_FROM = 0.35;

export interface NearCopyMatch {
  /** Index of the matched reference. */
  index: number;
  score: number;
  /** The second-best reference's score, for the log. */
  runnerUp: number;
  /** The image is the reference mirrored (a selfie view that flips the camera's picture). */
  mirrored: boolean;
}

/**
 * How close the image is to each reference, -1..1 (-1 where the aspect ratios are too far
 * apart). Two passes keep it to a few milliseconds: every reference is scored on a quarter of
 * the cells at one phase and every other shift, then the REFINED best, where they reach
 * REFINE_FROM, on every cell at every phase and shift.
 */
export function nearCopyScores(image: RgbImage, references: readonly NearCopyReference[]): number[] {
  return scoresOf(fineLuma(image), image.width / image.height, references);
}

function scoresOf(fine: Float32Array, aspect: number, references: readonly NearCopyReference[]): number[] {
  const query = phaseGrids(fine);
  const scores = references.map((ref) => {
    const factor = Math.max(aspect / ref.aspect, ref.aspect / aspect);
    if (factor > MAX_CROP_FACTOR) return -1;
    return bestCorrelation(query.slice(0, 1), ref.gridAt(aspect), 2, COARSE_SHIFTS);
  });
  const order = scores.map((_, i) => i).filter((i) => scores[i]! > -1).sort((a, b) => scores[b]! - scores[a]!);
  for (const i of order.slice(0, REFINED)) if (scores[i]! >= REFINE_FROM) scores[i] = bestCorrelation(query, references[i]!.gridAt(aspect), 1, FULL_SHIFTS);
  return scores;
}

/**
 * The reference this image is a near-copy of, if any (see the module comment). The image is
 * also compared mirrored, since many selfie views flip the camera's picture; the runner-up is
 * the best other reference, in either orientation.
 */
export function findNearCopy(image: RgbImage, references: readonly NearCopyReference[]): NearCopyMatch | undefined {
  // The picture is resampled once; its mirror image's grid is that grid flipped.
  const fine = fineLuma(image);
  const aspect = image.width / image.height;
  const direct = scoresOf(fine, aspect, references);
  const flipped = scoresOf(mirrorFine(fine), aspect, references);
  const bestOf = (i: number) => Math.max(direct[i]!, flipped[i]!);
  let best = -1;
  for (let i = 0; i < references.length; i++) if (best < 0 || bestOf(i) > bestOf(best)) best = i;
  if (best < 0) return undefined;
  let second = -Infinity;
  for (let i = 0; i < references.length; i++) if (i !== best) second = Math.max(second, bestOf(i));
  const score = bestOf(best);
  if (score < NEAR_COPY_MIN || score - second < NEAR_COPY_MARGIN) return undefined;
  return { index: best, score, runnerUp: second, mirrored: flipped[best]! > direct[best]! };
}
