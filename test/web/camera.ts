import { writeFileSync } from "node:fs";
import { decodeImage, type RgbImage } from "../../server/faces/pixels.js";

/**
 * A picture as Chromium's fake camera plays it (`--use-file-for-fake-video-capture=<file>.y4m`):
 * one frame of YUV4MPEG2, 4:2:0 (a colour sample per 2x2 pixels), BT.601 studio range, which is
 * what a video pipeline assumes. Written at test time from a decoded fixture image: nothing of
 * the kind is committed. (An .mjpeg file gives solid green frames.)
 */
export function y4mOf(image: RgbImage): Buffer {
  // 4:2:0 needs even sides: the last odd row or column is dropped.
  const width = image.width & ~1;
  const height = image.height & ~1;
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc((width / 2) * (height / 2));
  const px = (x: number, yy: number) => {
    const i = (yy * image.width + x) * 3;
    return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!] as const;
  };
  const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const [r, g, b] = px(col, row);
      y[row * width + col] = clamp(16 + 0.257 * r + 0.504 * g + 0.098 * b);
    }
  }
  for (let row = 0; row < height; row += 2) {
    for (let col = 0; col < width; col += 2) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const [pr, pg, pb] = px(col + dx, row + dy);
        r += pr / 4;
        g += pg / 4;
        b += pb / 4;
      }
      const at = (row / 2) * (width / 2) + col / 2;
      u[at] = clamp(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      v[at] = clamp(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`, "latin1");
  return Buffer.concat([header, y, u, v]);
}

/** Writes the camera file for an image file (a fixture's JPEG or PNG, or a packaged photo). */
export function writeCameraFile(path: string, imageBytes: Buffer): void {
  writeFileSync(path, y4mOf(decodeImage(imageBytes)));
}
