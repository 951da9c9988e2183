import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/**
 * JPEG decoding through libjpeg-turbo compiled to WebAssembly (the `@cwasm/jpeg-turbo` package's
 * .wasm file, MIT, 139 KB; the loader here is our own): about 5 ms for a 640x480 webcam frame
 * where jpeg-js took 25 ms, and it decodes a large photo straight to a half, quarter or eighth of
 * its size (libjpeg's scaled IDCT), so a 12 MP phone photo never exists at full size in memory.
 *
 * The WebAssembly is a sandbox: a hostile JPEG can only make this instance fail, and an instance
 * that failed part way (libjpeg's error exit unwinds as a JavaScript exception, leaving its
 * allocations behind) is thrown away and a fresh one made for the next image.
 *
 * `decodeJpegTurbo` returns undefined where libjpeg-turbo declines an image that jpeg-js may still
 * read (a warning such as a truncated scan, a CMYK or other colour conversion it does not do):
 * pixels.ts then decodes it with jpeg-js, so one image always takes the same path.
 */

const require = createRequire(import.meta.url);

/** TurboJPEG's pixel format for 3 bytes a pixel, R G B. */
const TJPF_RGB = 0;
/**
 * Colour (chroma) upsampled by repeating each sample, as jpeg-js does, instead of libjpeg's
 * default smoothing between samples: the pixels then stay within 3 of jpeg-js's (mean 0.5; with
 * smoothing up to 102 at colour edges, mean 1.1), and so do the descriptors that earlier
 * releases stored. The nets notice even that: the two webcam frames of one person in
 * opencv-doc lie at d = 0.503 with it, 0.509 smoothed, 0.487 through jpeg-js.
 */
const TJFLAG_FASTUPSAMPLE = 256;
/** The scaling factors asked for (libjpeg-turbo offers n/8; these are the ones that save work). */
const SCALES = [1, 1 / 2, 1 / 4, 1 / 8] as const;
/** Images larger than this are refused before any pixel is allocated (as jpeg-js's own limit). */
export const MAX_JPEG_MEGAPIXELS = 200;

/** An instance whose memory grew past this (a large photo) is let go after its image. */
const MAX_KEPT_MEMORY = 64 * 1024 * 1024;

interface TurboExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  tjInitDecompress(): number;
  tjDestroy(handle: number): number;
  tjDecompressHeader3(handle: number, jpeg: number, size: number, width: number, height: number, subsampling: number, colorspace: number): number;
  tjDecompress2(handle: number, jpeg: number, size: number, out: number, width: number, pitch: number, height: number, format: number, flags: number): number;
}

/** Raised by the longjmp import: libjpeg's error exit, unwinding out of the WebAssembly. */
class JpegErrorExit extends Error {}

let wasmModule: WebAssembly.Module | null | undefined;
let instance: TurboExports | undefined;

function moduleOnce(): WebAssembly.Module | null {
  if (wasmModule === undefined) {
    try {
      const path = require.resolve("@cwasm/jpeg-turbo/jpeg-turbo.wasm");
      wasmModule = new WebAssembly.Module(readFileSync(path));
    } catch {
      wasmModule = null; // not installed: jpeg-js decodes everything
    }
  }
  return wasmModule;
}

function instantiate(module: WebAssembly.Module): TurboExports {
  let memory: WebAssembly.Memory | undefined;
  const env = {
    // The TurboJPEG API calls setjmp before decoding; a later longjmp means libjpeg gave up.
    setjmp: () => 0,
    longjmp: () => {
      throw new JpegErrorExit("libjpeg-turbo gave up on this image");
    },
  };
  // libjpeg writes nothing itself through TurboJPEG (its messages are kept as strings); these
  // answer as a WASI host would, writing nowhere.
  const wasi = {
    environ_sizes_get: (count: number, size: number) => {
      const view = new DataView(memory!.buffer);
      view.setUint32(count, 0, true);
      view.setUint32(size, 0, true);
      return 0;
    },
    environ_get: () => 0,
    proc_exit: () => {
      throw new JpegErrorExit("libjpeg-turbo exited");
    },
    fd_close: () => 0,
    fd_seek: () => 70, // ESPIPE
    fd_write: (_fd: number, iovs: number, count: number, written: number) => {
      const view = new DataView(memory!.buffer);
      let total = 0;
      for (let i = 0; i < count; i++) total += view.getUint32(iovs + i * 8 + 4, true);
      view.setUint32(written, total, true);
      return 0;
    },
  };
  const exports = new WebAssembly.Instance(module, { env, wasi_snapshot_preview1: wasi }).exports as unknown as TurboExports;
  memory = exports.memory;
  return exports;
}

/** Whether the WebAssembly decoder is installed (otherwise every JPEG goes to jpeg-js). */
export function jpegTurboAvailable(): boolean {
  return moduleOnce() !== null;
}

/** The scaled size libjpeg gives for a factor (TJSCALED: rounded up). */
const scaled = (side: number, factor: number) => Math.ceil(side * factor);

export interface DecodedJpeg {
  width: number;
  height: number;
  data: Uint8Array;
  /** The JPEG's own size (the decoded one is smaller when it was decoded scaled). */
  fullWidth: number;
  fullHeight: number;
}

/**
 * Decodes a JPEG to RGB, as small as libjpeg can make it while its longest side stays at least
 * `minSide` (1/2, 1/4 or 1/8 of its size; whole when `minSide` is Infinity or it is already
 * small). Throws on a JPEG past MAX_JPEG_MEGAPIXELS or with no pixels; undefined for everything
 * else it cannot decode, which jpeg-js then tries (above).
 */
export function decodeJpegTurbo(bytes: Uint8Array, minSide = Infinity): DecodedJpeg | undefined {
  const module = moduleOnce();
  if (!module) return undefined;
  const tj = (instance ??= instantiate(module));
  let input = 0;
  let header = 0;
  let output = 0;
  let handle = 0;
  try {
    input = tj.malloc(bytes.byteLength);
    header = tj.malloc(16);
    if (!input || !header) return undefined;
    new Uint8Array(tj.memory.buffer, input, bytes.byteLength).set(bytes);
    handle = tj.tjInitDecompress();
    if (!handle) return undefined;
    if (tj.tjDecompressHeader3(handle, input, bytes.byteLength, header, header + 4, header + 8, header + 12) !== 0) {
      return undefined;
    }
    const [fullWidth, fullHeight] = new Uint32Array(tj.memory.buffer, header, 2) as unknown as [number, number];
    if (!fullWidth || !fullHeight) throw new Error("the JPEG has no pixels");
    if ((fullWidth * fullHeight) / 1e6 > MAX_JPEG_MEGAPIXELS) throw new Error(`the JPEG is larger than ${MAX_JPEG_MEGAPIXELS} megapixels`);
    let factor: number = SCALES[0];
    for (const f of SCALES) if (Math.max(scaled(fullWidth, f), scaled(fullHeight, f)) >= minSide && Math.min(scaled(fullWidth, f), scaled(fullHeight, f)) >= 16) factor = f;
    const width = scaled(fullWidth, factor);
    const height = scaled(fullHeight, factor);
    output = tj.malloc(width * height * 3);
    if (!output) return undefined;
    // Asked for exactly the scaled size, libjpeg picks that factor (the largest that fits).
    if (tj.tjDecompress2(handle, input, bytes.byteLength, output, width, width * 3, height, TJPF_RGB, TJFLAG_FASTUPSAMPLE) !== 0) return undefined;
    const data = new Uint8Array(width * height * 3);
    data.set(new Uint8Array(tj.memory.buffer, output, data.length));
    return { width, height, data, fullWidth, fullHeight };
  } catch (error) {
    if (error instanceof JpegErrorExit) {
      // Its allocations are lost with it: the next image gets a fresh instance.
      instance = undefined;
      return undefined;
    }
    throw error;
  } finally {
    if (instance === tj) {
      if (handle) tj.tjDestroy(handle);
      if (output) tj.free(output);
      if (header) tj.free(header);
      if (input) tj.free(input);
      // A large photo grew the instance's memory, which WebAssembly never gives back: let it go.
      if (tj.memory.buffer.byteLength > MAX_KEPT_MEMORY) instance = undefined;
    }
  }
}
