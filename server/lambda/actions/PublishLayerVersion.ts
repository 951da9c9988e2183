import type { PublishLayerVersionRequest, PublishLayerVersionResponse } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "../errors.js";
import { layerName } from "../layers.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Content.ZipFile arrives as base64 text in the JSON body. */
type Input = Omit<PublishLayerVersionRequest, "Content"> & { Content: { ZipFile?: string; S3Bucket?: string; S3Key?: string; S3ObjectVersion?: string } };

export const PublishLayerVersion =
  ({ layers, packages, packageUrls }: Pick<LambdaServices, "layers" | "packages" | "packageUrls">) =>
  async (input: Input, ctx: RestRequestContext): Promise<PublishLayerVersionResponse> => {
    const content = input.Content ?? {};
    if (content.ZipFile === undefined && !(content.S3Bucket && content.S3Key)) {
      throw LambdaErrors.invalidParameter("Please provide a source for layer content.");
    }
    if (content.ZipFile !== undefined && (content.S3Bucket || content.S3Key)) {
      throw LambdaErrors.invalidParameter("Please do not provide other LayerContent parameters when providing a ZipFile.");
    }
    const zip = await packages.bytes(content);
    const { layer, version } = await layers.publish(
      layerName(input.LayerName!),
      ctx.region,
      { Description: input.Description, CompatibleRuntimes: input.CompatibleRuntimes, CompatibleArchitectures: input.CompatibleArchitectures, LicenseInfo: input.LicenseInfo },
      zip,
    );
    return layers.output(layer, version, packageUrls.location(ctx.baseUrl, version.zipPath));
  };
