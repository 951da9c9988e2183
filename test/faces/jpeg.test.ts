import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import { decodeJpegTurbo, jpegTurboAvailable } from "../../server/faces/jpeg.js";
import { decodeImage, type RgbImage } from "../../server/faces/pixels.js";
import { wasmThreadsWanted } from "../../server/faces/wasm-threads.js";
import { xorshift32 } from "../support/random.js";
import { encodeJpeg, exifOrientationSegment, rotateCounterClockwise } from "./photos.js";

// JPEGs decode through libjpeg-turbo in WebAssembly (jpeg-js where it declines one): the same
// pixels as jpeg-js within rounding, a large photo decoded straight to a fraction of its size
// (its own size still reported), and a broken or hostile JPEG never takes the decoder down.

/** A picture with detail everywhere (so a wrong scale or a shifted row shows). */
function pattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([(x * 7) % 256, (y * 5) % 256, ((x >> 4) + (y >> 4)) % 2 ? 200 : 40], (y * width + x) * 3);
  }
  return { width, height, data };
}

const meanDifference = (a: Uint8Array, b: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

describe("JPEG decoding", () => {
  it("is installed with rekognito (a dependency, not the optional model)", () => {
    expect(jpegTurboAvailable()).toBe(true);
  });

  it("gives jpeg-js's pixels within rounding (colour upsampled as jpeg-js does)", () => {
    const bytes = encodeJpeg(pattern(320, 240), 90);
    const ours = decodeImage(bytes);
    const theirs = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
    expect([ours.width, ours.height, ours.fullWidth, ours.fullHeight]).toEqual([320, 240, 320, 240]);
    expect(meanDifference(ours.data, theirs.data)).toBeLessThan(1);
    expect(ours.data.reduce((max, v, i) => Math.max(max, Math.abs(v - theirs.data[i]!)), 0)).toBeLessThanOrEqual(4);
  });

  it("decodes a large photo at a fraction of its size, keeping its longest side at least the one asked for, and says its own size", () => {
    const bytes = encodeJpeg(pattern(2800, 1800), 85);
    const half = decodeImage(bytes, { minSide: 1280 });
    expect([half.width, half.height, half.fullWidth, half.fullHeight]).toEqual([1400, 900, 2800, 1800]);
    const eighth = decodeImage(bytes, { minSide: 300 });
    expect([eighth.width, eighth.height]).toEqual([350, 225]);
    // Without minSide, whole; and the scaled decode shows the same picture.
    const whole = decodeImage(bytes);
    expect([whole.width, whole.height]).toEqual([2800, 1800]);
    const at = (im: RgbImage, x: number, y: number) => im.data[(y * im.width + x) * 3 + 2]!;
    expect(Math.abs(at(half, 100, 100) - at(whole, 201, 201))).toBeLessThan(40);
  });

  it("turns a sideways photo decoded scaled upright, its own size turned too", () => {
    const stored = rotateCounterClockwise(pattern(2800, 1800)); // 1800 wide, 2800 high as stored
    const decoded = decodeImage(encodeJpeg(stored, 85, exifOrientationSegment(6)), { minSide: 1280 });
    expect([decoded.width, decoded.height, decoded.fullWidth, decoded.fullHeight]).toEqual([1400, 900, 2800, 1800]);
  });

  it("refuses a JPEG whose header claims more than 200 megapixels, before allocating its pixels", () => {
    const bytes = Buffer.from(encodeJpeg(pattern(64, 48), 80));
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes.writeUInt16BE(30000, sof + 5); // height
    bytes.writeUInt16BE(30000, sof + 7); // width
    expect(() => decodeImage(bytes)).toThrow(/200 megapixels/);
  });

  it("hands a truncated or damaged JPEG to jpeg-js, and decodes the next image as ever", () => {
    const good = encodeJpeg(pattern(320, 240), 90);
    const truncated = good.subarray(0, good.length >> 1);
    expect(decodeJpegTurbo(truncated)).toBeUndefined();
    const damaged = Buffer.from(good);
    for (let i = 200; i < 400; i++) damaged[i] = damaged[i]! ^ 0x5a;
    // Whatever jpeg-js then makes of them, the answer is an image or an error, never a crash.
    for (const bytes of [truncated, damaged]) {
      try {
        decodeImage(Buffer.from(bytes));
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
      }
    }
    for (let i = 0; i < 3; i++) expect(decodeJpegTurbo(good)?.width).toBe(320);
  });
});

describe("JPEG decoding of damaged bytes (seeded mutations)", () => {
  it("answers an image or an Error for each of 300 mutated JPEGs, and decodes a whole one after them", () => {
    const good = encodeJpeg(pattern(160, 120), 85);
    const next = xorshift32(20261202);
    let images = 0;
    let errors = 0;
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(good);
      // A few bytes flipped anywhere after the start-of-image marker, sometimes a cut tail too.
      for (let k = 1 + (next() % 8); k > 0; k--) bytes[2 + (next() % (bytes.length - 2))] = next() & 0xff;
      const cut = next() % 4 === 0 ? bytes.subarray(0, 2 + (next() % (bytes.length - 2))) : bytes;
      try {
        const image = decodeImage(Buffer.from(cut));
        expect(image.data.length).toBe(image.width * image.height * 3);
        images++;
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        errors++;
      }
    }
    expect(images + errors).toBe(300);
    expect(decodeImage(good)).toMatchObject({ width: 160, height: 120 });
  });
});

describe("the model's WebAssembly threads", () => {
  it("are two on a machine with two cores or more, one on one core, and REKOGNITO_FACE_THREADS decides when set", () => {
    expect(wasmThreadsWanted({}, 2)).toBe(2);
    expect(wasmThreadsWanted({}, 16)).toBe(2);
    expect(wasmThreadsWanted({}, 1)).toBe(1);
    expect(wasmThreadsWanted({ REKOGNITO_FACE_THREADS: "1" }, 8)).toBe(1);
    expect(wasmThreadsWanted({ REKOGNITO_FACE_THREADS: "4" }, 8)).toBe(4);
    expect(wasmThreadsWanted({ REKOGNITO_FACE_THREADS: "lots" }, 8)).toBe(2);
  });
});
