import type { SsdTf, Tensor } from "./ssd.js";

/**
 * face-api's face recognition net (a ResNet-34-like net after dlib's, 128 values a face) run
 * on its own weights with each convolution's bias and the scale layer after it folded into
 * the convolution (filter × w, bias × w + b per output channel) and its ReLU fused, so that a
 * convolution is one kernel instead of four (conv, add, multiply, add) and a fifth (ReLU).
 * Same net, same input (face-api's NetInput.toBatchTensor(150, centred)); the descriptors
 * agree with face-api's to ~10⁻⁶ (measured on the webcam frame's face: distance 1.3·10⁻⁶,
 * where one person's copies lie at 0.05 and up), and the pass takes ~30 ms of CPU instead of
 * ~35-42 on this machine.
 */

interface ConvLayer {
  conv: { filters: Tensor; bias: Tensor };
  scale: { weights: Tensor; biases: Tensor };
}
interface ResidualLayer {
  conv1: ConvLayer;
  conv2: ConvLayer;
}
/** face-api's FaceRecognitionNet `params` (src/faceRecognitionNet/types.ts in its package). */
export type RecognitionParams = Record<string, ConvLayer | ResidualLayer> & { fc: Tensor };

export interface RecognitionTf extends SsdTf {
  relu(x: Tensor): Tensor;
  avgPool(x: Tensor, size: number, strides: number, pad: "valid"): Tensor;
  maxPool(x: Tensor, size: number, strides: number, pad: "valid"): Tensor;
  mean(x: Tensor, axis: number[]): Tensor;
  matMul(a: Tensor, b: Tensor): Tensor;
  tensor1d(values: number[]): Tensor;
  fused: SsdTf["fused"] & { conv2d(args: { x: Tensor; filter: Tensor; strides: [number, number]; pad: "same" | "valid"; bias: Tensor; activation: "relu" | "linear" }): Tensor };
}

/** The mean colour face-api subtracts before dividing by 255 (src/faceRecognitionNet/FaceRecognitionNet.ts). */
const MEAN_RGB = [122.782, 117.001, 104.298];

interface Folded {
  filter: Tensor;
  bias: Tensor;
}

/** The net's forward pass on face-api's batch ([n, 150, 150, 3], 0..255): [n, 128] descriptors. */
export function createRecognitionNet(tf: RecognitionTf, params: RecognitionParams): (batch: Tensor) => Tensor {
  const fold = (p: ConvLayer): Folded =>
    tf.tidy(() => ({
      filter: tf.keep(tf.mul(p.conv.filters, p.scale.weights)),
      bias: tf.keep(tf.add(tf.mul(p.conv.bias, p.scale.weights), p.scale.biases)),
    }));
  const layer = (name: string) => params[name] as ConvLayer;
  const residualLayer = (name: string) => {
    const p = params[name] as ResidualLayer;
    return { conv1: fold(p.conv1), conv2: fold(p.conv2) };
  };
  const first = fold(layer("conv32_down"));
  const stages = [
    { down: undefined, blocks: ["conv32_1", "conv32_2", "conv32_3"] },
    { down: "conv64_down", blocks: ["conv64_1", "conv64_2", "conv64_3"] },
    { down: "conv128_down", blocks: ["conv128_1", "conv128_2"] },
    { down: "conv256_down", blocks: ["conv256_1", "conv256_2"] },
    { down: "conv256_down_out", blocks: [] },
  ].map(({ down, blocks }) => ({ down: down ? residualLayer(down) : undefined, blocks: blocks.map(residualLayer) }));
  const mean = tf.tensor1d(MEAN_RGB);

  const conv = (x: Tensor, c: Folded, stride: number, relu: boolean, pad: "same" | "valid" = "same") =>
    tf.fused.conv2d({ x, filter: c.filter, strides: [stride, stride], pad, bias: c.bias, activation: relu ? "relu" : "linear" });
  // face-api's residual(): relu(conv2(relu(conv1(x))) + x).
  const residual = (x: Tensor, p: { conv1: Folded; conv2: Folded }) => tf.relu(tf.add(conv(conv(x, p.conv1, 1, true), p.conv2, 1, false), x));
  // Its residualDown(): the shortcut is x average-pooled, its channels doubled with zeros, and
  // the main path padded with a zero row and column where its 'valid' stride-2 conv came out short.
  const residualDown = (x: Tensor, p: { conv1: Folded; conv2: Folded }) => {
    let out = conv(conv(x, p.conv1, 2, true, "valid"), p.conv2, 1, false);
    let pooled = tf.avgPool(x, 2, 2, "valid");
    const [, ph, pw, pc] = pooled.shape as [number, number, number, number];
    const [, oh, ow, oc] = out.shape as [number, number, number, number];
    if (ph !== oh || pw !== ow) out = tf.pad(out, [[0, 0], [0, ph - oh], [0, pw - ow], [0, 0]]);
    if (pc !== oc) pooled = tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [0, oc - pc]]);
    return tf.relu(tf.add(pooled, out));
  };

  return (batch) =>
    tf.tidy(() => {
      let out = conv(tf.div(tf.sub(tf.cast(batch, "float32"), mean), 255), first, 2, true, "valid");
      out = tf.maxPool(out, 3, 2, "valid");
      for (const stage of stages) {
        if (stage.down) out = residualDown(out, stage.down);
        for (const block of stage.blocks) out = residual(out, block);
      }
      return tf.matMul(tf.mean(out, [1, 2]), params.fc);
    });
}
