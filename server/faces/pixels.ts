import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { decodeJpegTurbo, MAX_JPEG_MEGAPIXELS } from "./jpeg.js";

/**
 * Pixels for the engines that look at them (the fixture engine's near-copy match and the model
 * engine): decoding JPEG and PNG to RGB, EXIF orientation, scaling down, and the measures
 * Rekognition reports on a face's pixels (Brightness, Sharpness). Pure TypeScript on pure-JS
 * decoders, so it works in the lean install; it runs in the analysis worker, never on the
 * server's event loop (decoding a 10 MP JPEG takes most of a second).
 */

/** An RGB image, 3 bytes a pixel, rows top to bottom. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Larger images are scaled down to this longest side before analysis (see scaleDown). */
export const MAX_ANALYSIS_SIDE = 1280;

/** A decoded picture, upright; `fullWidth` × `fullHeight` is its own size (see decodeImage). */
export interface DecodedImage extends RgbImage {
  fullWidth: number;
  fullHeight: number;
}

/**
 * Decodes a JPEG or PNG (already sniffed as one) to RGB, upright: a JPEG's EXIF orientation is
 * applied, as Rekognition does ("Amazon Rekognition uses this orientation information to
 * perform image correction"; boxes are given in the corrected image). PNG alpha is dropped
 * over white, as a viewer shows a transparent background.
 *
 * JPEGs go through libjpeg-turbo in WebAssembly (jpeg.ts), jpeg-js where it declines one.
 * With `minSide`, a large JPEG is decoded at 1/2, 1/4 or 1/8 of its size, as long as its
 * longest side stays at least that: the pixels are then fewer than fullWidth × fullHeight.
 */
export function decodeImage(bytes: Buffer, options: { minSide?: number } = {}): DecodedImage {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const turbo = decodeJpegTurbo(bytes, options.minSide);
    const raw = turbo ?? jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024, maxResolutionInMP: MAX_JPEG_MEGAPIXELS });
    const orientation = exifOrientation(bytes);
    const image = orient({ width: raw.width, height: raw.height, data: raw.data }, orientation);
    const [fullWidth, fullHeight] = turbo ? [turbo.fullWidth, turbo.fullHeight] : [raw.width, raw.height];
    return orientation >= 5 ? { ...image, fullWidth: fullHeight, fullHeight: fullWidth } : { ...image, fullWidth, fullHeight };
  }
  const png = PNG.sync.read(bytes);
  const n = png.width * png.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = png.data[i * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(png.data[i * 4 + c]! * a + 255 * (1 - a));
  }
  return { width: png.width, height: png.height, data, fullWidth: png.width, fullHeight: png.height };
}

/**
 * The EXIF Orientation tag (0x0112) of a JPEG's APP1 segment: 1 (upright, also when absent)
 * to 8. Phones store pictures as the sensor saw them and set this tag instead of rotating.
 */
export function exifOrientation(b: Buffer): number {
  let pos = 2;
  while (pos + 4 <= b.length && b[pos] === 0xff) {
    const marker = b[pos + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // the scan: no more metadata segments
    const length = b.readUInt16BE(pos + 2);
    if (marker === 0xe1 && length >= 16 && b.toString("latin1", pos + 4, pos + 10) === "Exif\0\0") {
      const tiff = pos + 10;
      const end = Math.min(b.length, pos + 2 + length);
      const little = b.toString("latin1", tiff, tiff + 2) === "II";
      const u16 = (at: number) => (at + 2 <= end ? (little ? b.readUInt16LE(at) : b.readUInt16BE(at)) : 0);
      const u32 = (at: number) => (at + 4 <= end ? (little ? b.readUInt32LE(at) : b.readUInt32BE(at)) : 0);
      const ifd = tiff + u32(tiff + 4);
      const count = u16(ifd);
      for (let i = 0; i < count; i++) {
        const entry = ifd + 2 + i * 12;
        if (entry + 12 > end) break;
        if (u16(entry) === 0x0112) {
          const value = u16(entry + 8);
          return value >= 1 && value <= 8 ? value : 1;
        }
      }
      return 1;
    }
    pos += 2 + length;
  }
  return 1;
}

/** Applies an EXIF orientation (2-8) so that the image is upright. */
export function orient(image: RgbImage, orientation: number): RgbImage {
  if (orientation <= 1 || orientation > 8) return image;
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Where the upright pixel (x, y) is in the stored image.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const si = (sy * w + sx) * 3;
      const di = (y * W + x) * 3;
      out[di] = data[si]!;
      out[di + 1] = data[si + 1]!;
      out[di + 2] = data[si + 2]!;
    }
  }
  return { width: W, height: H, data: out };
}

/**
 * Resamples by averaging the source pixels each target pixel covers (a box filter): the right
 * way down, and deterministic. Scaling up repeats pixels.
 */
export function resize(image: RgbImage, width: number, height: number): RgbImage {
  const { width: w, height: h, data } = image;
  if (width === w && height === h) return image;
  const out = new Uint8Array(width * height * 3);
  const fx = w / width;
  const fy = h / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * fy);
    const y1 = Math.max(y0 + 1, Math.min(h, Math.floor((y + 1) * fy)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * fx);
      const x1 = Math.max(x0 + 1, Math.min(w, Math.floor((x + 1) * fx)));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * w + x0) * 3;
        for (let xx = x0; xx < x1; xx++, i += 3) {
          r += data[i]!;
          g += data[i + 1]!;
          b += data[i + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return { width, height, data: out };
}

/** The image with its longest side at most `maxSide` (aspect kept); the scale applied. */
export function scaleDown(image: RgbImage, maxSide = MAX_ANALYSIS_SIDE): { image: RgbImage; scale: number } {
  const side = Math.max(image.width, image.height);
  if (side <= maxSide) return { image, scale: 1 };
  const scale = maxSide / side;
  return { image: resize(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale))), scale };
}

/** The image flipped left to right. */
export function mirrorImage(image: RgbImage): RgbImage {
  const { width: w, height: h, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (y * w + (w - 1 - x)) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** Luma (BT.601), 0-255, one value a pixel. */
export function grayscale(image: RgbImage): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!;
  return out;
}

/** A region of an image in pixels (clamped to it by the callers here). */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The pixels of a box, resampled to width x height (height = width unless given). */
export function cropTo(image: RgbImage, box: PixelBox, width: number, height = width): RgbImage {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.max(x0 + 1, Math.ceil(box.x + box.width)));
  const y1 = Math.min(image.height, Math.max(y0 + 1, Math.ceil(box.y + box.height)));
  const w = x1 - x0;
  const h = y1 - y0;
  const crop = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) crop.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x1) * 3), y * w * 3);
  return resize({ width: w, height: h, data: crop }, width, height);
}

/** The face's pixels for the quality measures: never enlarged, shrunk to at most QUALITY_SIDE. */
export const QUALITY_SIDE = 96;

/**
 * Rekognition's Quality on a face's pixels, 0-100 each (AWS: "Value representing brightness
 * of the face. The service returns a value between 0 and 100 (inclusive). A higher value
 * indicates a brighter face image."; likewise sharpness).
 *
 * - Brightness: the mean luma of the face box, as a percentage of white.
 * - Sharpness: how much of the face's contrast is fine detail. The face is shrunk (never
 *   enlarged: that would invent edges) to at most 96 pixels a side; its Laplacian's spread is
 *   divided by the face's own luma spread, so that a dim or low-contrast face is not called
 *   blurred, and mapped to 0-100 by 100 × (1 − e^(−3r)). Measured: crisp webcam frames and
 *   portraits score 77-87; the same frame blurred by a 3x3 box four times 62, ten times 44; a
 *   flat colour 0.
 */
export function faceQuality(image: RgbImage, box: PixelBox): { Brightness: number; Sharpness: number } {
  const side = Math.max(box.width, box.height);
  const scale = Math.min(1, QUALITY_SIDE / side);
  const w = Math.max(3, Math.round(box.width * scale));
  const h = Math.max(3, Math.round(box.height * scale));
  const face = cropTo(image, box, w, h);
  const gray = grayscale(face);
  let sum = 0;
  let sq = 0;
  for (const v of gray) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / gray.length;
  const spread = Math.sqrt(Math.max(0, sq / gray.length - mean * mean));
  let lsum = 0;
  let lsq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l = gray[i - w]! + gray[i + w]! + gray[i - 1]! + gray[i + 1]! - 4 * gray[i]!;
      lsum += l;
      lsq += l * l;
      n++;
    }
  }
  const laplacian = Math.sqrt(Math.max(0, lsq / n - (lsum / n) ** 2));
  const ratio = spread > 0.5 ? laplacian / spread : 0;
  return { Brightness: round((mean / 255) * 100, 4), Sharpness: round(100 * (1 - Math.exp(-3 * ratio)), 4) };
}

export function round(value: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(value * k) / k;
}
