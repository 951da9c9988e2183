import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import type { FunctionState, StoredFunction, StoredVersion } from "./functions.js";
import type { Layers } from "./layers.js";
import type { Target } from "./targets.js";

/** AWS's LastModified: 2024-01-01T12:00:00.000+0000 */
function lastModified(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/** AWS's FunctionConfiguration, the answer of most function actions, from what rekognito keeps. */
export class FunctionConfigurations {
  /** `layers`: for each layer's CodeSize. */
  constructor(private readonly layers: Layers) {}

  /** A function at $LATEST or at a version (`arn`: the ARN as asked, an alias's). */
  of(fn: StoredFunction, version: StoredVersion | null = null, arn?: string): FunctionConfiguration {
    const state: FunctionState = version ?? fn;
    const config: FunctionConfiguration = {
      FunctionName: fn.name,
      FunctionArn: arn ?? (version ? `${fn.arn}:${version.version}` : fn.arn),
      Runtime: state.runtime as FunctionConfiguration["Runtime"],
      Role: state.role,
      Handler: state.handler,
      CodeSize: state.codeSize,
      Description: state.description,
      Timeout: state.timeout,
      MemorySize: state.memorySize,
      LastModified: lastModified(state.lastModified),
      CodeSha256: state.codeSha256,
      Version: version ? version.version : "$LATEST",
      TracingConfig: { Mode: "PassThrough" },
      RevisionId: state.revisionId,
      State: "Active",
      LastUpdateStatus: "Successful",
      PackageType: "Zip",
      Architectures: state.architectures as FunctionConfiguration["Architectures"],
      EphemeralStorage: { Size: 512 },
      SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
    };
    if (Object.keys(state.environment).length) config.Environment = { Variables: { ...state.environment } };
    if (state.layers?.length) {
      config.Layers = state.layers.map((layerArn) => {
        const found = this.layers.byArn(layerArn);
        return { Arn: layerArn, CodeSize: found?.version.codeSize ?? 0 };
      });
    }
    return config;
  }

  /** What a resolved name answers with (GetFunction, GetFunctionConfiguration with a qualifier). */
  ofTarget(target: Target): FunctionConfiguration {
    const version = target.version === "$LATEST" ? null : (target.state as StoredVersion);
    return this.of(target.fn, version, target.qualifier && target.qualifier !== target.version ? target.arn : undefined);
  }

  /** $LATEST and every published version, oldest first (ListVersionsByFunction). */
  versions(fn: StoredFunction): FunctionConfiguration[] {
    return [this.of(fn), ...(fn.versions ?? []).map((v) => this.of(fn, v))];
  }
}
