import type { PublishLayerVersionRequest, PublishLayerVersionResponse } from "@aws-sdk/client-lambda";
import type { Clock } from "../../core/clock.js";
import type { LambdaBackend } from "../backend.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../rest.js";
import { codeLocation } from "../routes.js";
import { layerName } from "./GetLayerVersion.js";

/** Content.ZipFile arrives as base64 text in the JSON body. */
type Input = Omit<PublishLayerVersionRequest, "Content"> & { Content: { ZipFile?: string; S3Bucket?: string; S3Key?: string; S3ObjectVersion?: string } };

export const publishLayerVersion =
  (backend: LambdaBackend, clock: Clock) =>
  async (input: Input, ctx: RestRequestContext): Promise<PublishLayerVersionResponse> => {
    const content = input.Content ?? {};
    if (content.ZipFile === undefined && !(content.S3Bucket && content.S3Key)) {
      throw LambdaErrors.invalidParameter("Please provide a source for layer content.");
    }
    if (content.ZipFile !== undefined && (content.S3Bucket || content.S3Key)) {
      throw LambdaErrors.invalidParameter("Please do not provide other LayerContent parameters when providing a ZipFile.");
    }
    const zip = await backend.packageBytes(content);
    const { layer, version } = await backend.layers.publish(
      layerName(input.LayerName!),
      ctx.region,
      { Description: input.Description, CompatibleRuntimes: input.CompatibleRuntimes, CompatibleArchitectures: input.CompatibleArchitectures, LicenseInfo: input.LicenseInfo },
      zip,
    );
    return backend.layers.output(layer, version, codeLocation(ctx.baseUrl, backend, clock, version.zipPath));
  };
