/**
 * The face detector, SSD MobileNet v1 on face-api's own weights (as face-api loaded them), run
 * here instead of through face-api's `detectAllFaces`, for speed alone: the same network on the
 * same input, its answers equal up to rounding, in about two thirds of the time.
 *
 * Where face-api's time went (tf.profile of one 512×512 pass, tfjs-backend-wasm 4.22 with SIMD):
 * the convolutions took 64%, and the elementwise passes around them a third: each of the 13
 * depthwise convolutions is followed by a separate batch norm and a clip to 0..6, each pointwise
 * one by a separate bias add and clip. Here each batch norm is folded into its convolution's
 * filter and bias once, at load (scale k = γ/√(σ²+ε) per channel: filter × k, bias β − μ·k),
 * and every convolution runs as one fused kernel with its bias and ReLU6, which XNNPACK applies
 * while it writes the output. The box and class predictors of each feature map run as one
 * convolution (their filters side by side), and the boxes are decoded and suppressed in plain
 * JavaScript on the one array read back (face-api reads all 5118 boxes back for every pair the
 * suppression compares).
 *
 * The input is face-api's: the image padded with black at its right or bottom to a square,
 * resized (bilinear) to 512×512, scaled to −1..1 (then cut to the picture plus a margin: see
 * PADDING_KEPT). Folding changes the arithmetic's rounding only: scores agree with face-api's
 * within 2·10⁻⁶ and boxes within 0.3 pixel (the bench photos). Such a shift can move an integer
 * edge of the crops face-api cuts from the box (it floors them) for the landmark net, and then
 * of the aligned crop for the descriptor: 5 of the bench photos' 27 faces got descriptors up to
 * 0.10 away from face-api's own (one person's copies lie 0.06-0.31 apart), the error rates the
 * same within one pair (README's Faces section). Like all of the WebAssembly backend's
 * arithmetic, the same image gives bit-identical answers in every run.
 *
 * Smaller inputs were measured too, and are not used: at 448 a webcam frame's face scored 0.905
 * instead of 0.992, at 416 0.606, and one person's copies drifted apart (descriptor distance up
 * to 0.41 instead of 0.30, a false reject at 90), also with the priors scaled to keep their
 * size in pixels and the picture shrunk by area averaging: the net wants faces at 512's scale.
 */

/** The parts of a tfjs tensor used here. */
export interface Tensor {
  shape: number[];
  dataSync(): Float32Array | Int32Array | Uint8Array;
  dispose(): void;
}

interface FusedConv {
  x: Tensor;
  filter: Tensor;
  strides: [number, number];
  pad: "same";
  bias: Tensor;
  activation?: "relu6" | "linear";
}

/** The parts of @tensorflow/tfjs used here (its typings need DOM types). */
export interface SsdTf {
  tidy<T>(fn: () => T): T;
  cast(x: Tensor, dtype: "float32"): Tensor;
  expandDims(x: Tensor): Tensor;
  pad(x: Tensor, paddings: [number, number][]): Tensor;
  image: { resizeBilinear(x: Tensor, size: [number, number], alignCorners: boolean, halfPixelCenters: boolean): Tensor };
  add(a: Tensor | number, b: Tensor | number): Tensor;
  sub(a: Tensor | number, b: Tensor | number): Tensor;
  mul(a: Tensor | number, b: Tensor | number): Tensor;
  div(a: Tensor | number, b: Tensor | number): Tensor;
  sqrt(x: Tensor): Tensor;
  reshape(x: Tensor, shape: number[]): Tensor;
  concat(xs: Tensor[], axis: number): Tensor;
  slice(x: Tensor, begin: number[], size: number[]): Tensor;
  keep<T extends Tensor>(x: T): T;
  fused: { conv2d(args: FusedConv): Tensor; depthwiseConv2d(args: FusedConv): Tensor };
}

/** face-api's SsdMobilenetv1 `params` (src/ssdMobilenetv1/types.ts in its package). */
interface PointwiseParams {
  filters: Tensor;
  batch_norm_offset: Tensor;
}
interface DepthwiseParams {
  filters: Tensor;
  batch_norm_scale: Tensor;
  batch_norm_offset: Tensor;
  batch_norm_mean: Tensor;
  batch_norm_variance: Tensor;
}
interface ConvParams {
  filters: Tensor;
  bias: Tensor;
}
export interface SsdParams {
  mobilenetv1: Record<string, PointwiseParams | { depthwise_conv: DepthwiseParams; pointwise_conv: PointwiseParams }>;
  prediction_layer: Record<string, PointwiseParams | { box_encoding_predictor: ConvParams; class_predictor: ConvParams }>;
  output_layer: { extra_dim: Tensor };
}

/** A face found: its score (0..1) and its box as fractions of the image's width and height. */
export interface SsdFace {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}

/** The net's input side (face-api's: the net was trained at 512). */
export const SSD_INPUT = 512;
/** The six feature maps' sides at that input: conv 11 (stride 16), conv 13 (32), then 64..512. */
const MAP_SIDES = [32, 16, 8, 4, 2, 1];
/**
 * Rows (or columns) of black padding kept beyond the picture when the input is cut to it.
 * face-api pads a picture that is not square with black to a 512×512 square; the net's work
 * on rows that are all padding is wasted, so the input is cut to the picture plus this margin
 * (in input pixels), which keeps the features near the picture's edge as the whole square
 * gives them. Measured: with 64 every face, box and descriptor of the bench photographs and
 * of the tests' tight ID crop is the same as with the whole square; with 32 or none, SSD
 * found a poor face (score 0.61, similarity 83 to its source) in the tight crop where the
 * square finds none and the search inside a border finds the right one (score 0.92, 94).
 */
const PADDING_KEPT = 64;
/** face-api's suppression: a box overlapping a better one by more than this IoU is dropped. */
const IOU_THRESHOLD = 0.5;
/** The batch norms' epsilon in face-api's MobileNet (src/ssdMobilenetv1/mobileNetV1.ts). */
const BATCH_NORM_EPSILON = 0.0010000000474974513;
/** MobileNet v1's depthwise layers that halve the feature map (face-api's getStridesForLayerIdx). */
const STRIDE_2_LAYERS = new Set([2, 4, 6, 12]);

interface Layer {
  filter: Tensor;
  bias: Tensor;
  stride: number;
}

export interface SsdDetector {
  /** The faces in an RGB image tensor ([height, width, 3], int32 0..255), best first. */
  detect(image: Tensor, minScore: number, maxResults: number): SsdFace[];
}

export function createSsdDetector(tf: SsdTf, params: SsdParams): SsdDetector {
  const pointwise = (p: PointwiseParams, stride: number): Layer => ({ filter: p.filters, bias: p.batch_norm_offset, stride });
  const depthwise = (p: DepthwiseParams, stride: number): Layer =>
    tf.tidy(() => {
      const k = tf.div(p.batch_norm_scale, tf.sqrt(tf.add(p.batch_norm_variance, BATCH_NORM_EPSILON)));
      const filter = tf.keep(tf.mul(p.filters, tf.reshape(k, [1, 1, -1, 1])));
      const bias = tf.keep(tf.sub(p.batch_norm_offset, tf.mul(p.batch_norm_mean, k)));
      return { filter, bias, stride };
    });

  const m = params.mobilenetv1;
  const first = pointwise(m.conv_0 as PointwiseParams, 2);
  const backbone: Layer[] = [];
  for (let i = 1; i <= 13; i++) {
    const pair = m[`conv_${i}`] as { depthwise_conv: DepthwiseParams; pointwise_conv: PointwiseParams };
    backbone.push(depthwise(pair.depthwise_conv, STRIDE_2_LAYERS.has(i) ? 2 : 1), pointwise(pair.pointwise_conv, 1));
  }
  const p = params.prediction_layer;
  // The extra feature maps after conv 13: 1x1 then 3x3 stride 2, four times.
  const extra = Array.from({ length: 8 }, (_, i) => pointwise(p[`conv_${i}`] as PointwiseParams, i % 2 ? 2 : 1));
  // Per feature map, the box predictor's and the class predictor's filters side by side.
  const heads = Array.from({ length: 6 }, (_, i) => {
    const b = p[`box_predictor_${i}`] as { box_encoding_predictor: ConvParams; class_predictor: ConvParams };
    return tf.tidy(() => ({
      filter: tf.keep(tf.concat([b.box_encoding_predictor.filters, b.class_predictor.filters], 3)),
      bias: tf.keep(tf.concat([b.box_encoding_predictor.bias, b.class_predictor.bias], 0)),
      anchors: b.box_encoding_predictor.filters.shape[3]! / 4,
    }));
  });
  // The prior boxes, [ymin, xmin, ymax, xmax] as fractions of the square input, in the order
  // the heads' outputs come: map by map, cell by cell (rows first), anchor by anchor.
  const priors = params.output_layer.extra_dim.dataSync() as Float32Array;
  const firstPrior: number[] = [];
  const expected = heads.reduce((n, h, i) => (firstPrior.push(n), n + MAP_SIDES[i]! ** 2 * h.anchors), 0);
  if (priors.length !== 4 * expected) throw new Error(`the SSD weights hold ${priors.length / 4} prior boxes, not the ${expected} of a ${SSD_INPUT}×${SSD_INPUT} input`);

  const conv = (x: Tensor, l: Layer, activation: "relu6" | "linear" = "relu6") =>
    tf.fused.conv2d({ x, filter: l.filter, strides: [l.stride, l.stride], pad: "same", bias: l.bias, activation });

  /** The heads' outputs, concatenated: per map, per cell, [anchors×4 box codes, anchors×3 class logits]. */
  function forward(input: Tensor): Tensor {
    return tf.tidy(() => {
      let out = conv(input, first);
      let conv11 = out;
      for (let i = 0; i < backbone.length; i += 2) {
        const d = backbone[i]!;
        out = tf.fused.depthwiseConv2d({ x: out, filter: d.filter, strides: [d.stride, d.stride], pad: "same", bias: d.bias, activation: "relu6" });
        out = conv(out, backbone[i + 1]!);
        if (i / 2 + 1 === 11) conv11 = out;
      }
      const maps = [conv11, out];
      let x = out;
      for (let i = 0; i < extra.length; i++) {
        x = conv(x, extra[i]!);
        if (i % 2) maps.push(x);
      }
      return tf.concat(
        maps.map((f, i) => tf.reshape(tf.fused.conv2d({ x: f, filter: heads[i]!.filter, strides: [1, 1], pad: "same", bias: heads[i]!.bias }), [-1])),
        0,
      );
    });
  }

  return {
    detect(image, minScore, maxResults) {
      const [height, width] = image.shape as [number, number];
      const side = Math.max(width, height);
      // The rows and columns of the 512×512 input that the picture reaches, with a margin of
      // its black padding, in whole cells of the coarsest backbone map (32 pixels).
      const extent = (n: number) => Math.min(SSD_INPUT, 32 * Math.ceil((Math.ceil((n * SSD_INPUT) / side) + 1 + PADDING_KEPT) / 32));
      const rows = extent(height);
      const cols = extent(width);
      const input = tf.tidy(() => {
        let x = tf.expandDims(tf.cast(image, "float32"));
        if (width !== height) x = tf.pad(x, [[0, 0], [0, side - height], [0, side - width], [0, 0]]);
        if (side !== SSD_INPUT) x = tf.image.resizeBilinear(x, [SSD_INPUT, SSD_INPUT], false, false);
        if (rows < SSD_INPUT || cols < SSD_INPUT) x = tf.slice(x, [0, 0, 0, 0], [1, rows, cols, 3]);
        return tf.sub(tf.div(x, 127.5), 1);
      });
      const output = forward(input);
      input.dispose();
      const values = output.dataSync() as Float32Array;
      output.dispose();

      // Decode the boxes whose score passes (face-api's outputLayer, with its box coder's
      // scales 10 and 5), then suppress overlaps greedily, best first (its nonMaxSuppression).
      const found: { score: number; box: [number, number, number, number] }[] = [];
      let offset = 0;
      heads.forEach((head, map) => {
        const a = head.anchors;
        const n = MAP_SIDES[map]!;
        // A map of the cropped input is the top-left part of the full one (each stride-2
        // layer gives ceil(side / 2) cells), so its cells keep the full map's priors.
        const mapRows = Math.ceil((rows * n) / SSD_INPUT);
        const mapCols = Math.ceil((cols * n) / SSD_INPUT);
        for (let cell = 0; cell < mapRows * mapCols; cell++, offset += 7 * a) {
          let prior = firstPrior[map]! + (Math.floor(cell / mapCols) * n + (cell % mapCols)) * a;
          for (let k = 0; k < a; k++, prior++) {
            const score = 1 / (1 + Math.exp(-values[offset + 4 * a + 3 * k + 1]!));
            if (!(score > minScore)) continue;
            const y0 = priors[4 * prior]!;
            const x0 = priors[4 * prior + 1]!;
            const h = priors[4 * prior + 2]! - y0;
            const w = priors[4 * prior + 3]! - x0;
            const code = offset + 4 * k;
            const cy = (values[code]! / 10) * h + y0 + h / 2;
            const cx = (values[code + 1]! / 10) * w + x0 + w / 2;
            const hh = (Math.exp(values[code + 2]! / 5) * h) / 2;
            const hw = (Math.exp(values[code + 3]! / 5) * w) / 2;
            found.push({ score, box: [cy - hh, cx - hw, cy + hh, cx + hw] });
          }
        }
      });
      found.sort((p1, p2) => p2.score - p1.score);
      const kept: typeof found = [];
      for (const candidate of found) {
        if (kept.length >= maxResults) break;
        if (kept.every((k) => iou(candidate.box, k.box) <= IOU_THRESHOLD)) kept.push(candidate);
      }
      // From fractions of the padded square to fractions of the image (face-api's padX, padY).
      const scaleX = side / width;
      const scaleY = side / height;
      return kept.map(({ score, box: [ymin, xmin, ymax, xmax] }) => {
        const top = Math.max(0, ymin) * scaleY;
        const left = Math.max(0, xmin) * scaleX;
        return { score, box: { x: left, y: top, width: Math.min(1, xmax) * scaleX - left, height: Math.min(1, ymax) * scaleY - top } };
      });
    },
  };
}

function iou(a: readonly number[], b: readonly number[]): number {
  const ay0 = Math.min(a[0]!, a[2]!);
  const ax0 = Math.min(a[1]!, a[3]!);
  const ay1 = Math.max(a[0]!, a[2]!);
  const ax1 = Math.max(a[1]!, a[3]!);
  const by0 = Math.min(b[0]!, b[2]!);
  const bx0 = Math.min(b[1]!, b[3]!);
  const by1 = Math.max(b[0]!, b[2]!);
  const bx1 = Math.max(b[1]!, b[3]!);
  const areaA = (ay1 - ay0) * (ax1 - ax0);
  const areaB = (by1 - by0) * (bx1 - bx0);
  if (areaA <= 0 || areaB <= 0) return 0;
  const inter = Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0) * Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0);
  return inter / (areaA + areaB - inter);
}
