/**
 * The scan at the heart of a face search: for every row of a block of int8-coded embeddings,
 * an integer dot product with the int16-coded query, turned into an approximate score
 * `idot × a[row] × sq + b[row]`, and the rows whose score reaches `bound` written out (their
 * index in the block and their score). search.ts decides what the codes, scales, offsets and
 * the bound mean for each embedding space and re-scores every row written out exactly; this
 * file only has to be fast.
 *
 * Two implementations with one contract: WebAssembly with 128-bit SIMD (16 codes per load,
 * `i32x4.dot_i16x8_s`, integer sums exact), assembled below from its opcodes, since the
 * project ships no compiler; and plain JavaScript, used where WebAssembly SIMD is missing and
 * by the tests to check the WebAssembly one. Scanning int8 codes rather than float32 reads a
 * quarter of the bytes: at 100k faces and more the float32 scan is bound by memory bandwidth
 * (on this 2-core machine 1M float32 rows took ~74 ms with SIMD, their int8 codes ~26 ms).
 *
 * Memory layout (one WebAssembly.Memory, or an ArrayBuffer, per index; offsets in bytes):
 *
 *     0                  query codes, int16, rowBytes of them (zero padded)
 *     queryBytes         out: row indices, int32, BLOCK_ROWS of them
 *     + BLOCK_ROWS × 4   out: scores, float32, BLOCK_ROWS of them
 *     headerBytes        block 0: BLOCK_ROWS rows of rowBytes int8 codes, then BLOCK_ROWS
 *                        float32 scales (a), then BLOCK_ROWS float32 offsets (b)
 *     ...                block 1, block 2, ...
 *
 * rowBytes is the embedding's dimension rounded up to 16, the pad codes are 0.
 */

/** Rows per block: a scan call covers one block, so the out area never needs more. */
export const BLOCK_ROWS = 1024;

export type KernelKind = "wasm" | "js";

export interface KernelLayout {
  rowBytes: number;
  queryBytes: number;
  outIndex: number;
  outScore: number;
  headerBytes: number;
  blockBytes: number;
  /** Offsets of a block's codes, scales and offsets. */
  codes(block: number): number;
  scales(block: number): number;
  offsets(block: number): number;
}

export function layoutFor(dimension: number): KernelLayout {
  const rowBytes = Math.ceil(dimension / 16) * 16;
  const queryBytes = rowBytes * 2;
  const outIndex = queryBytes;
  const outScore = outIndex + BLOCK_ROWS * 4;
  const headerBytes = outScore + BLOCK_ROWS * 4;
  const blockBytes = BLOCK_ROWS * (rowBytes + 8);
  return {
    rowBytes,
    queryBytes,
    outIndex,
    outScore,
    headerBytes,
    blockBytes,
    codes: (block) => headerBytes + block * blockBytes,
    scales: (block) => headerBytes + block * blockBytes + BLOCK_ROWS * rowBytes,
    offsets: (block) => headerBytes + block * blockBytes + BLOCK_ROWS * (rowBytes + 4),
  };
}

/** The memory of one index and the scan over it. */
export interface KernelMemory {
  readonly kind: KernelKind;
  /** The current buffer; replaced (old views detached) by grow. */
  buffer(): ArrayBuffer;
  /** Makes the memory at least `bytes` long. */
  ensure(bytes: number): void;
  /** Scans `rows` rows of `block`; returns how many it wrote out. */
  scan(layout: KernelLayout, block: number, rows: number, sq: number, bound: number): number;
}

const PAGE = 65536;

// --- a very small WebAssembly assembler: just what the scan needs ---

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, "utf8")];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const VOID = 0x40;

/** Opcodes, named as in the WebAssembly text format. */
const op = {
  block: [0x02, VOID],
  loop: [0x03, VOID],
  if: [0x04, VOID],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, local],
  set: (local: number) => [0x21, local],
  tee: (local: number) => [0x22, local],
  f32Load: [0x2a, 2, 0],
  i32Store: [0x36, 2, 0],
  f32Store: [0x38, 2, 0],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  f32Ge: [0x60],
  i32Add: [0x6a],
  i32Shl: [0x74],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32ConvertI32S: [0xb2],
  // SIMD (prefix 0xfd, then the opcode as an unsigned LEB128)
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  i32x4ExtractLane: (lane: number) => [0xfd, ...uleb(0x1b), lane],
  i16x8ExtendLowI8x16S: [0xfd, ...uleb(0x87)],
  i16x8ExtendHighI8x16S: [0xfd, ...uleb(0x88)],
  i32x4Add: [0xfd, ...uleb(0xae)],
  i32x4DotI16x8S: [0xfd, ...uleb(0xba)],
};

// Parameters and locals of scan(q, codes, a, b, rows, rowBytes, sq, bound, outIndex, outScore) -> count
const Q = 0;
const CODES = 1;
const A = 2;
const B = 3;
const ROWS = 4;
const ROW_BYTES = 5;
const SQ = 6;
const BOUND = 7;
const OUT_INDEX = 8;
const OUT_SCORE = 9;
const ROW = 10;
const COUNT = 11;
const J = 12;
const SCORE = 13;
const ACC0 = 14;
const ACC1 = 15;
const V = 16;

/** acc0 += dot(low half of v, q[at..]), acc1 += dot(high half of v, q[at+16..]). */
function accumulate(queryAddress: number[], offset: number): number[] {
  return [
    ...op.get(ACC0),
    ...op.get(V),
    ...op.i16x8ExtendLowI8x16S,
    ...queryAddress,
    ...op.v128Load(offset),
    ...op.i32x4DotI16x8S,
    ...op.i32x4Add,
    ...op.set(ACC0),
    ...op.get(ACC1),
    ...op.get(V),
    ...op.i16x8ExtendHighI8x16S,
    ...queryAddress,
    ...op.v128Load(offset + 16),
    ...op.i32x4DotI16x8S,
    ...op.i32x4Add,
    ...op.set(ACC1),
  ];
}

/** The dot product of one row: unrolled for a known number of 16-code groups, else a loop. */
function rowDot(groups: number | null): number[] {
  if (groups !== null) {
    const out: number[] = [];
    for (let g = 0; g < groups; g++) {
      out.push(...op.get(CODES), ...op.v128Load(g * 16), ...op.set(V), ...accumulate(op.get(Q), g * 32));
    }
    return out;
  }
  // j = 0; do { v = codes[j..]; accumulate(q + 2j); j += 16 } while (j < rowBytes)
  const queryAt = [...op.get(Q), ...op.get(J), ...op.i32Const(1), ...op.i32Shl, ...op.i32Add];
  return [
    ...op.i32Const(0),
    ...op.set(J),
    ...op.loop,
    ...op.get(CODES),
    ...op.get(J),
    ...op.i32Add,
    ...op.v128Load(0),
    ...op.set(V),
    ...accumulate(queryAt, 0),
    ...op.get(J),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.tee(J),
    ...op.get(ROW_BYTES),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
  ];
}

function scanBody(groups: number | null): number[] {
  return [
    ...op.block,
    ...op.loop,
    // if (row >= rows) break
    ...op.get(ROW),
    ...op.get(ROWS),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.v128Zero,
    ...op.set(ACC0),
    ...op.v128Zero,
    ...op.set(ACC1),
    ...rowDot(groups),
    // score = f32(sum of the lanes) * a[row] * sq + b[row]
    ...op.get(ACC0),
    ...op.get(ACC1),
    ...op.i32x4Add,
    ...op.tee(ACC0),
    ...op.i32x4ExtractLane(0),
    ...op.get(ACC0),
    ...op.i32x4ExtractLane(1),
    ...op.i32Add,
    ...op.get(ACC0),
    ...op.i32x4ExtractLane(2),
    ...op.i32Add,
    ...op.get(ACC0),
    ...op.i32x4ExtractLane(3),
    ...op.i32Add,
    ...op.f32ConvertI32S,
    ...op.get(A),
    ...op.f32Load,
    ...op.f32Mul,
    ...op.get(SQ),
    ...op.f32Mul,
    ...op.get(B),
    ...op.f32Load,
    ...op.f32Add,
    ...op.tee(SCORE),
    ...op.get(BOUND),
    ...op.f32Ge,
    ...op.if,
    // outIndex[count] = row; outScore[count] = score; count++
    ...op.get(OUT_INDEX),
    ...op.get(COUNT),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.get(ROW),
    ...op.i32Store,
    ...op.get(OUT_SCORE),
    ...op.get(COUNT),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.get(SCORE),
    ...op.f32Store,
    ...op.get(COUNT),
    ...op.i32Const(1),
    ...op.i32Add,
    ...op.set(COUNT),
    ...op.end,
    // next row
    ...op.get(CODES),
    ...op.get(ROW_BYTES),
    ...op.i32Add,
    ...op.set(CODES),
    ...op.get(A),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.set(A),
    ...op.get(B),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.set(B),
    ...op.get(ROW),
    ...op.i32Const(1),
    ...op.i32Add,
    ...op.set(ROW),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(COUNT),
    ...op.end,
  ];
}

function scanFunction(groups: number | null): number[] {
  const locals = vector([
    [...uleb(3), I32], // row, count, j
    [...uleb(1), F32], // score
    [...uleb(3), V128], // acc0, acc1, v
  ]);
  const code = [...locals, ...scanBody(groups)];
  return [...uleb(code.length), ...code];
}

/** The module: imports its memory as "e"."m", exports scan128 (128 codes a row, unrolled) and scan (any multiple of 16). */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const params = [I32, I32, I32, I32, I32, I32, F32, F32, I32, I32].map((t) => [t]);
  const type = [0x60, ...vector(params), ...vector([[I32]])];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([type])),
    ...section(2, vector([[...name("e"), ...name("m"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vector([[0], [0]])),
    ...section(7, vector([[...name("scan128"), 0x00, 0], [...name("scan"), 0x00, 1]])),
    ...section(10, vector([scanFunction(8), scanFunction(null)])),
  ];
  return new Uint8Array(bytes);
}

type ScanFn = (q: number, codes: number, a: number, b: number, rows: number, rowBytes: number, sq: number, bound: number, outIndex: number, outScore: number) => number;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where this runtime has no WebAssembly SIMD. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(kernelModuleBytes());
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export function wasmKernelAvailable(): boolean {
  return kernelModule() !== null;
}

class WasmMemory implements KernelMemory {
  readonly kind = "wasm";
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly scan128: ScanFn;
  private readonly scanAny: ScanFn;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, { e: { m: this.memory } });
    this.scan128 = instance.exports.scan128 as ScanFn;
    this.scanAny = instance.exports.scan as ScanFn;
  }

  buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    // Grow by at least half again, so that adding faces one by one grows the memory rarely.
    const want = Math.max(bytes, Math.min(have * 1.5, have + 256 * 1024 * 1024));
    this.memory.grow(Math.ceil((want - have) / PAGE));
  }

  scan(layout: KernelLayout, block: number, rows: number, sq: number, bound: number): number {
    const fn = layout.rowBytes === 128 ? this.scan128 : this.scanAny;
    return fn(0, layout.codes(block), layout.scales(block), layout.offsets(block), rows, layout.rowBytes, sq, bound, layout.outIndex, layout.outScore);
  }
}

/** The same scan in JavaScript (doubles instead of float32: its scores differ from the SIMD ones by rounding only). */
class JsMemory implements KernelMemory {
  readonly kind = "js";
  private bytes = new ArrayBuffer(PAGE);

  buffer(): ArrayBuffer {
    return this.bytes;
  }

  ensure(bytes: number): void {
    if (bytes <= this.bytes.byteLength) return;
    const grown = new ArrayBuffer(Math.ceil(Math.max(bytes, this.bytes.byteLength * 1.5) / PAGE) * PAGE);
    new Uint8Array(grown).set(new Uint8Array(this.bytes));
    this.bytes = grown;
  }

  scan(layout: KernelLayout, block: number, rows: number, sq: number, bound: number): number {
    const q = new Int16Array(this.bytes, 0, layout.rowBytes);
    const codes = new Int8Array(this.bytes, layout.codes(block), rows * layout.rowBytes);
    const a = new Float32Array(this.bytes, layout.scales(block), rows);
    const b = new Float32Array(this.bytes, layout.offsets(block), rows);
    const outIndex = new Int32Array(this.bytes, layout.outIndex, BLOCK_ROWS);
    const outScore = new Float32Array(this.bytes, layout.outScore, BLOCK_ROWS);
    const width = layout.rowBytes;
    let count = 0;
    for (let row = 0; row < rows; row++) {
      let dot = 0;
      const at = row * width;
      for (let i = 0; i < width; i++) dot += q[i]! * codes[at + i]!;
      const score = dot * a[row]! * sq + b[row]!;
      if (score >= bound) {
        outIndex[count] = row;
        outScore[count] = score;
        count++;
      }
    }
    return count;
  }
}

/** A memory for one index: WebAssembly SIMD unless asked for JavaScript or unavailable. */
export function createKernelMemory(kind: KernelKind = "wasm"): KernelMemory {
  const module = kind === "wasm" ? kernelModule() : null;
  return module ? new WasmMemory(module) : new JsMemory();
}
