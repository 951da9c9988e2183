import type { FunctionConfiguration, UpdateFunctionCodeRequest } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../rest.js";

type Input = Omit<UpdateFunctionCodeRequest, "ZipFile"> & { ZipFile?: string };

export const updateFunctionCode =
  (backend: LambdaBackend) =>
  async (input: Input, ctx: RestRequestContext): Promise<FunctionConfiguration> => {
    if (input.Publish) throw LambdaErrors.notImplemented("UpdateFunctionCode with Publish (function versions)");
    const current = backend.require(input.FunctionName!, ctx.region);
    if (input.RevisionId !== undefined && input.RevisionId !== current.revisionId) throw LambdaErrors.preconditionFailed();
    const fn = await backend.updateFunctionCode(input.FunctionName!, ctx.region, {
      ZipFile: input.ZipFile,
      S3Bucket: input.S3Bucket,
      S3Key: input.S3Key,
      S3ObjectVersion: input.S3ObjectVersion,
      ImageUri: input.ImageUri,
      DryRun: input.DryRun,
      Architectures: input.Architectures,
    });
    return backend.configuration(fn);
  };
