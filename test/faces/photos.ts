import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import jpeg from "jpeg-js";
import { centralCrop } from "../../server/faces/near-copy.js";
import { decodeImage, resize, type RgbImage } from "../../server/faces/pixels.js";

/**
 * Photographs of real people for the model engine's tests, read at test time from packages
 * that ship them (never committed here): face-api's demo photos in its npm package (group
 * photos: the faces in one photo are different people) and Debian's opencv-doc (webcam frames
 * and portraits in its HTML documentation; .ci/run installs it). Same-person pairs are the two
 * webcam frames of one person in opencv-doc, and variants derived here (crop, rescale,
 * re-encode, brightness, mirror, a camera's capture).
 */

const require = createRequire(import.meta.url);

function faceApiDemo(): string | undefined {
  try {
    return join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");
  } catch {
    return undefined;
  }
}

const OPENCV_HTML = "/usr/share/doc/opencv-doc/opencv4/html";
const OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data";

export interface Photo {
  name: string;
  path: string;
}

/** A photo by its package-relative name, or undefined where that package is not installed. */
function photo(name: string, path: string | undefined): Photo | undefined {
  return path && existsSync(path) ? { name, path } : undefined;
}

export const photos = {
  /** face-api's demo: three women side by side (three different people). */
  group3: () => photo("face-api demo/sample1.jpg", faceApiDemo() && join(faceApiDemo()!, "sample1.jpg")),
  /** face-api's demo: five women on a staircase (five different people). */
  group5: () => photo("face-api demo/sample5.jpg", faceApiDemo() && join(faceApiDemo()!, "sample5.jpg")),
  /** opencv-doc: a webcam frame of a young woman (the face-detection tutorial's Haar result). */
  webcamA: () => photo("opencv-doc Cascade_Classifier_Tutorial_Result_Haar.jpg", join(OPENCV_HTML, "Cascade_Classifier_Tutorial_Result_Haar.jpg")),
  /** opencv-doc: another webcam frame of the same woman, moved and tilted (the LBP result). */
  webcamB: () => photo("opencv-doc Cascade_Classifier_Tutorial_Result_LBP.jpg", join(OPENCV_HTML, "Cascade_Classifier_Tutorial_Result_LBP.jpg")),
  /** opencv-doc: four portraits of four different people in one picture (the facemark tutorial). */
  fourPeople: () => photo("opencv-doc facereg.jpg", join(OPENCV_HTML, "facereg.jpg")),
  /** opencv-doc: a portrait of a man (the face-swap tutorial's source). */
  man: () => photo("opencv-doc 230501201_1.jpg", join(OPENCV_HTML, "230501201_1.jpg")),
  /** opencv-doc: fruit on a table, no person. */
  noPerson: () => photo("opencv-doc examples/data/fruits.jpg", join(OPENCV_DATA, "fruits.jpg")),
};

export type PhotoName = keyof typeof photos;

/** The photos that are missing, with the package to install; empty when all are there. */
export function missingPhotos(names: PhotoName[]): string[] {
  return names.filter((n) => !photos[n]()).map((n) => `${n} (${n === "group3" || n === "group5" ? "npm package @vladmandic/face-api, an optional dependency" : "Debian package opencv-doc: apt-get install opencv-doc"})`);
}

export function readPhoto(name: PhotoName): Buffer {
  const p = photos[name]();
  if (!p) throw new Error(`photo ${name} is not installed`);
  return readFileSync(p.path);
}

export function decodePhoto(name: PhotoName): RgbImage {
  return decodeImage(readPhoto(name));
}

// --- derived variants ---

export function encodeJpeg(image: RgbImage, quality = 90, exif?: Buffer): Buffer {
  const rgba = Buffer.alloc(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    rgba[i * 4] = image.data[i * 3]!;
    rgba[i * 4 + 1] = image.data[i * 3 + 1]!;
    rgba[i * 4 + 2] = image.data[i * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  const bytes = Buffer.from(jpeg.encode({ data: rgba, width: image.width, height: image.height }, quality).data);
  if (!exif) return bytes;
  // jpeg-js writes SOI then APP0 (JFIF): put the APP1 (Exif) segment right after SOI.
  return Buffer.concat([bytes.subarray(0, 2), exif, bytes.subarray(2)]);
}

/** An APP1 segment holding only the EXIF Orientation tag (big-endian TIFF). */
export function exifOrientationSegment(orientation: number): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write("MM", 0, "latin1");
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  const body = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

export function crop(image: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const w = Math.min(image.width - x0, Math.round(width));
  const h = Math.min(image.height - y0, Math.round(height));
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) data.set(image.data.subarray(((y0 + r) * image.width + x0) * 3, ((y0 + r) * image.width + x0 + w) * 3), r * w * 3);
  return { width: w, height: h, data };
}

export function scale(image: RgbImage, factor: number): RgbImage {
  return resize(image, Math.max(1, Math.round(image.width * factor)), Math.max(1, Math.round(image.height * factor)));
}

export function mirror(image: RgbImage): RgbImage {
  const out = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const s = (y * image.width + x) * 3;
      const d = (y * image.width + (image.width - 1 - x)) * 3;
      out[d] = image.data[s]!;
      out[d + 1] = image.data[s + 1]!;
      out[d + 2] = image.data[s + 2]!;
    }
  }
  return { ...image, data: out };
}

export function brightness(image: RgbImage, factor: number): RgbImage {
  return { ...image, data: image.data.map((v) => Math.min(255, Math.round(v * factor))) };
}

/**
 * A quarter turn counter-clockwise: how a phone held sideways stores a picture it tags with
 * EXIF Orientation 6 ("rotate 90° clockwise to display").
 */
export function rotateCounterClockwise(image: RgbImage): RgbImage {
  const { width: w, height: h } = image;
  const out = new Uint8Array(image.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (x, y) goes to (y, w - 1 - x) in a h-wide image.
      const s = (y * w + x) * 3;
      const d = ((w - 1 - x) * h + y) * 3;
      out[d] = image.data[s]!;
      out[d + 1] = image.data[s + 1]!;
      out[d + 2] = image.data[s + 2]!;
    }
  }
  return { width: h, height: w, data: out };
}

export function shift(image: RgbImage, dx: number, dy: number): RgbImage {
  const out = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, x - dx));
      const sy = Math.min(image.height - 1, Math.max(0, y - dy));
      out.set(image.data.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3), (y * image.width + x) * 3);
    }
  }
  return { ...image, data: out };
}

/** A 3x3 box blur (a slightly soft camera). */
export function blur(image: RgbImage): RgbImage {
  const { width: w, height: h, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let j = -1; j <= 1; j++) {
          for (let i = -1; i <= 1; i++) {
            const xx = x + i;
            const yy = y + j;
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            s += data[(yy * w + xx) * 3 + c]!;
            n++;
          }
        }
        out[(y * w + x) * 3 + c] = Math.round(s / n);
      }
    }
  }
  return { ...image, data: out };
}

/**
 * What a browser's camera makes of a picture: Chromium's fake camera reads a .y4m (4:2:0
 * chroma: one colour per 2x2 pixels), crops and scales it to the camera's resolution, and the
 * page's canvas.toBlob("image/jpeg") re-encodes it at quality 0.92.
 */
export function cameraCapture(image: RgbImage, width = 640, height = 480): Buffer {
  const framed = resize(centralCrop(image, width / height), width, height);
  const out = new Uint8Array(framed.data);
  for (let y = 0; y + 1 < height; y += 2) {
    for (let x = 0; x + 1 < width; x += 2) {
      let cb = 0;
      let cr = 0;
      const luma: number[] = [];
      const at = (i: number, j: number) => ((y + j) * width + x + i) * 3;
      for (const [i, j] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const p = at(i, j);
        const Y = 0.299 * framed.data[p]! + 0.587 * framed.data[p + 1]! + 0.114 * framed.data[p + 2]!;
        luma.push(Y);
        cb += (framed.data[p + 2]! - Y) * 0.564;
        cr += (framed.data[p]! - Y) * 0.713;
      }
      cb /= 4;
      cr /= 4;
      ([[0, 0], [1, 0], [0, 1], [1, 1]] as const).forEach(([i, j], k) => {
        const p = at(i, j);
        const Y = luma[k]!;
        const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
        out[p] = clamp(Y + 1.403 * cr);
        out[p + 1] = clamp(Y - 0.344 * cb - 0.714 * cr);
        out[p + 2] = clamp(Y + 1.773 * cb);
      });
    }
  }
  return encodeJpeg({ width, height, data: out }, 92);
}
