import type { CreateFunctionRequest, FunctionConfiguration } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "../errors.js";
import type { StoredFunction, StoredVersion } from "../functions.js";
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS } from "../limits.js";
import { parseFunctionName } from "../names.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** ZipFile arrives as base64 text in the JSON body. */
type Input = Omit<CreateFunctionRequest, "Code"> & { Code: Omit<NonNullable<CreateFunctionRequest["Code"]>, "ZipFile"> & { ZipFile?: string } };

/** A function from a deployment package (ZipFile or S3; the hot-reload bucket runs a local folder in place). */
export const CreateFunction =
  ({ functions, targets, checks, packages, versions, configurations, specs, clock, ids }: Pick<
    LambdaServices,
    "functions" | "targets" | "checks" | "packages" | "versions" | "configurations" | "specs" | "clock" | "ids"
  >) =>
  async (input: Input, ctx: RestRequestContext): Promise<FunctionConfiguration> => {
    const parsed = parseFunctionName(input.FunctionName!);
    if (parsed.qualifier !== undefined) throw LambdaErrors.invalidParameter("Unsupported function name with qualifier.");
    const { name } = parsed;
    if (functions.get(name)) throw LambdaErrors.functionExists(name);
    checks.check(input);
    if (!input.Runtime || !input.Handler) {
      throw LambdaErrors.invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
    }
    const revisionId = ids.uuid();
    const code = await packages.install(name, revisionId, input.Code);
    let fn: StoredFunction = {
      name,
      arn: targets.arnOf(name, ctx.region),
      region: ctx.region,
      runtime: input.Runtime,
      role: input.Role ?? "",
      handler: input.Handler,
      description: input.Description ?? "",
      timeout: input.Timeout ?? DEFAULT_TIMEOUT_SECONDS,
      memorySize: input.MemorySize ?? DEFAULT_MEMORY_MB,
      environment: { ...(input.Environment?.Variables ?? {}) },
      architectures: input.Architectures ?? ["x86_64"],
      codeSha256: code.sha256,
      codeSize: code.size,
      lastModified: clock.now(),
      revisionId,
      code: code.source,
      ...(input.Layers?.length ? { layers: [...input.Layers] } : {}),
      policy: [],
      tags: { ...(input.Tags ?? {}) },
    };
    functions.put(fn);
    // With Publish, AWS answers the version it published ("Version": "1").
    let version: StoredVersion | null = null;
    if (input.Publish) ({ fn, version } = versions.publish(fn, ""));
    specs.prepare(fn);
    return configurations.of(fn, version);
  };
