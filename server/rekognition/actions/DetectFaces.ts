import type { DetectFacesRequest, DetectFacesResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import type { RekognitionServices } from "../services.js";
import { analyzeImage, largestFirst, type WireImage } from "../images.js";
import { faceDetail, wantsAttributes } from "../shapes.js";

type DetectFacesWire = Omit<DetectFacesRequest, "Image"> & { Image?: WireImage };

/** The 100 largest faces of an image, DEFAULT attributes unless Attributes asks for more. Stateless. */
export const DetectFaces =
  (services: Pick<RekognitionServices, "engine" | "objects" | "logger">) =>
  async (input: DetectFacesWire, _ctx: RequestContext): Promise<DetectFacesResponse> => {
    const image = await analyzeImage(input.Image, "image", services, "DetectFaces", { attributes: wantsAttributes(input.Attributes) });
    return { FaceDetails: largestFirst(image.analysis.faces).map((f) => faceDetail(f, input.Attributes)) };
  };
