import type { FunctionConfiguration, UpdateFunctionCodeRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";

type Input = Omit<UpdateFunctionCodeRequest, "ZipFile"> & { ZipFile?: string };

export const updateFunctionCode =
  (backend: LambdaBackend) =>
  async (input: Input, ctx: RestRequestContext): Promise<FunctionConfiguration> => {
    const { fn, version } = await backend.updateFunctionCode(input.FunctionName!, ctx.region, {
      ZipFile: input.ZipFile,
      S3Bucket: input.S3Bucket,
      S3Key: input.S3Key,
      S3ObjectVersion: input.S3ObjectVersion,
      ImageUri: input.ImageUri,
      DryRun: input.DryRun,
      Architectures: input.Architectures,
      Publish: input.Publish,
      RevisionId: input.RevisionId,
    });
    // With Publish, AWS answers the version it published.
    return backend.configuration(fn, version ?? null);
  };
