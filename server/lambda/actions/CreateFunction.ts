import type { CreateFunctionRequest, FunctionConfiguration } from "@aws-sdk/client-lambda";
import type { LambdaBackend } from "../backend.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../rest.js";

/** ZipFile arrives as base64 text in the JSON body. */
type Input = Omit<CreateFunctionRequest, "Code"> & { Code: NonNullable<CreateFunctionRequest["Code"]> & { ZipFile?: string } };

export const createFunction =
  (backend: LambdaBackend) =>
  async (input: Input, ctx: RestRequestContext): Promise<FunctionConfiguration> => {
    const parsed = backend.parseName(input.FunctionName!);
    if (parsed.qualifier !== undefined) throw LambdaErrors.invalidParameter("Unsupported function name with qualifier.");
    const fn = await backend.createFunction(parsed.name, ctx.region, {
      ...input,
      Code: input.Code as never,
      Environment: input.Environment as never,
      FileSystemConfigs: input.FileSystemConfigs,
      Publish: input.Publish,
    });
    // With Publish, AWS answers the version it published ("Version": "1").
    const version = input.Publish ? (fn.versions?.[fn.versions.length - 1] ?? null) : null;
    return backend.configuration(fn, version);
  };
