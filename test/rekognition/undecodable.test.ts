import { DetectFacesCommand, InvalidImageFormatException, RekognitionClient } from "@aws-sdk/client-rekognition";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureImage, readFixture } from "../../server/faces/fixtures.js";
import { sniffImage } from "../../server/faces/image.js";
import { decodeImage } from "../../server/faces/pixels.js";
import { startStack, type Stack } from "../../server/stack.js";
import { cameraCapture } from "../faces/photos.js";
import { sdkConfig } from "../support/clients.js";

// An image whose structure is whole (so the format check passes) but whose pixels do not decode
// is InvalidImageFormatException, as AWS answers a broken image, never a 500; the server, and
// its analysis worker, keep answering.

/** A PNG whose IDAT data is damaged (its chunk lengths still right). */
function damagedPng(): Buffer {
  const png = new PNG({ width: 200, height: 160 });
  png.data.fill(120);
  const bytes = PNG.sync.write(png);
  const at = bytes.indexOf("IDAT", 8, "latin1");
  for (let i = at + 4; i < at + 24; i++) bytes[i] = bytes[i]! ^ 0xa5;
  return bytes;
}

let stack: Stack;
let client: RekognitionClient;
beforeAll(async () => {
  stack = await startStack({ faces: "fixtures" });
  client = new RekognitionClient(sdkConfig(stack.endpoint));
});
afterAll(async () => {
  client?.destroy();
  await stack?.close();
});

describe("an image that does not decode", () => {
  it("passes the format check, then is InvalidImageFormatException; the next image is answered", async () => {
    const bytes = damagedPng();
    expect(sniffImage(bytes)).toMatchObject({ format: "png", width: 200, height: 160 });
    await expect(client.send(new DetectFacesCommand({ Image: { Bytes: bytes } }))).rejects.toBeInstanceOf(InvalidImageFormatException);
    // Through the same worker: a camera's capture of a fixture selfie (a near-copy, not the file itself).
    const frame = cameraCapture(decodeImage(readFixture(fixtureImage({ persona: "mei", kind: "selfie", file: "selfie-1.jpg" }))));
    expect((await client.send(new DetectFacesCommand({ Image: { Bytes: frame } }))).FaceDetails).toHaveLength(1);
  });
});
