import type { GetLayerVersionRequest, GetLayerVersionResponse } from "@aws-sdk/client-lambda";
import type { Clock } from "../../core/clock.js";
import type { LambdaBackend } from "../backend.js";
import type { RestRequestContext } from "../rest.js";
import { codeLocation } from "../routes.js";

/** A layer's name from its name or its unversioned ARN (both are accepted as LayerName). */
export function layerName(nameOrArn: string): string {
  const m = /^arn:[a-zA-Z0-9-]+:lambda:[a-z0-9-]+:\d{12}:layer:([a-zA-Z0-9-_]+)$/.exec(nameOrArn);
  return m ? m[1]! : nameOrArn;
}

export const getLayerVersion =
  (backend: LambdaBackend, clock: Clock) =>
  (input: GetLayerVersionRequest, ctx: RestRequestContext): GetLayerVersionResponse => {
    const { layer, version } = backend.layers.require(layerName(input.LayerName!), Number(input.VersionNumber));
    return backend.layers.output(layer, version, codeLocation(ctx.baseUrl, backend, clock, version.zipPath));
  };
