import type { ImageInfo } from "./engine.js";

/**
 * Recognises the two formats Rekognition accepts, JPEG and PNG, from their bytes alone, and
 * reads their dimensions. Anything else (another format, text, a truncated or damaged file)
 * gives undefined, which the Rekognition actions answer with InvalidImageFormatException.
 *
 * JPEG: starts with SOI (FF D8), has a frame header (SOF0..SOF15 except DHT/JPG/DAC) giving
 * height and width, and its segments and entropy-coded scans run, without overrunning the
 * buffer, up to an EOI marker (FF D9). A file cut anywhere before EOI is rejected.
 *
 * PNG: the 8-byte signature, an IHDR chunk first (width, height), chunks whose declared
 * lengths stay inside the buffer, and an IEND chunk.
 */
export function sniffImage(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return sniffJpeg(bytes);
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return sniffPng(bytes);
  return undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** SOF markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function sniffJpeg(b: Buffer): ImageInfo | undefined {
  let pos = 2;
  let width = 0;
  let height = 0;
  while (pos < b.length) {
    if (b[pos] !== 0xff) return undefined;
    // Any number of 0xFF fill bytes may precede a marker.
    while (pos < b.length && b[pos] === 0xff) pos++;
    if (pos >= b.length) return undefined;
    const marker = b[pos]!;
    pos++;
    if (marker === 0xd9) {
      // EOI: a complete image, provided we saw its frame header.
      return width > 0 && height > 0 ? { format: "jpeg", width, height } : undefined;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, RSTn: no length
    if (marker === 0x00 || marker === 0xd8) return undefined;
    if (pos + 2 > b.length) return undefined;
    const length = b.readUInt16BE(pos);
    if (length < 2 || pos + length > b.length) return undefined;
    if (isStartOfFrame(marker)) {
      if (length < 7) return undefined;
      height = b.readUInt16BE(pos + 3);
      width = b.readUInt16BE(pos + 5);
    }
    pos += length;
    if (marker === 0xda) {
      if (width === 0 || height === 0) return undefined; // a scan before any frame header
      // Entropy-coded data: runs until a marker other than a stuffed 00 or a restart marker.
      while (true) {
        if (pos + 1 >= b.length) return undefined;
        if (b[pos] === 0xff) {
          const next = b[pos + 1]!;
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
            pos += next === 0xff ? 1 : 2;
            continue;
          }
          break; // a real marker: back to the segment loop
        }
        pos++;
      }
    }
  }
  return undefined;
}

function sniffPng(b: Buffer): ImageInfo | undefined {
  let pos = 8;
  let width = 0;
  let height = 0;
  let first = true;
  while (pos + 12 <= b.length) {
    const length = b.readUInt32BE(pos);
    const type = b.toString("latin1", pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (end > b.length) return undefined;
    if (first) {
      if (type !== "IHDR" || length !== 13) return undefined;
      width = b.readUInt32BE(pos + 8);
      height = b.readUInt32BE(pos + 12);
      if (width === 0 || height === 0) return undefined;
      first = false;
    }
    if (type === "IEND") return { format: "png", width, height };
    pos = end;
  }
  return undefined;
}
