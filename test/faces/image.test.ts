import { describe, expect, it } from "vitest";
import { fixtureImage, readFixture } from "../../server/faces/fixtures.js";
import { sniffImage } from "../../server/faces/image.js";

const jpegBytes = () => readFixture(fixtureImage({ persona: "ana", kind: "selfie", file: "selfie-1.jpg" }));
const pngBytes = () => readFixture(fixtureImage({ persona: "ana", kind: "document" }));

describe("sniffImage", () => {
  it("reads a whole JPEG and a whole PNG", () => {
    expect(sniffImage(jpegBytes())).toEqual({ format: "jpeg", width: 320, height: 240 });
    expect(sniffImage(pngBytes())).toEqual({ format: "png", width: 400, height: 250 });
  });

  it("rejects a JPEG cut anywhere before its EOI marker", () => {
    const whole = jpegBytes();
    for (const cut of [3, 20, 200, Math.floor(whole.length / 2), whole.length - 2, whole.length - 1]) {
      expect(sniffImage(whole.subarray(0, cut)), `cut at ${cut}`).toBeUndefined();
    }
  });

  it("accepts a JPEG with bytes after EOI (cameras append them)", () => {
    expect(sniffImage(Buffer.concat([jpegBytes(), Buffer.from("trailer")]))).toMatchObject({ format: "jpeg" });
  });

  it("rejects a PNG without IEND, or whose chunk overruns the file", () => {
    const whole = pngBytes();
    expect(sniffImage(whole.subarray(0, whole.length - 12))).toBeUndefined();
    expect(sniffImage(whole.subarray(0, 60))).toBeUndefined();
    expect(sniffImage(whole.subarray(0, 8))).toBeUndefined();
  });

  it("rejects other formats and junk", () => {
    const samples = [
      Buffer.alloc(0),
      Buffer.from("hello"),
      Buffer.from("%PDF-1.4\n%%EOF\n"),
      Buffer.from("GIF89a\x01\x00\x01\x00", "latin1"),
      Buffer.from("BM", "latin1"),
      Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]), // RIFF....WEBP
      Buffer.from([0xff, 0xd8, 0xff, 0xd9]), // SOI + EOI, no frame
    ];
    for (const bytes of samples) expect(sniffImage(bytes), JSON.stringify(bytes.toString("latin1"))).toBeUndefined();
  });
});
