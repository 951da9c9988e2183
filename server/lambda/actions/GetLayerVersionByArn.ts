import type { GetLayerVersionByArnRequest, GetLayerVersionResponse } from "@aws-sdk/client-lambda";
import type { Clock } from "../../core/clock.js";
import type { LambdaBackend } from "../backend.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../rest.js";
import { codeLocation } from "../routes.js";

export const getLayerVersionByArn =
  (backend: LambdaBackend, clock: Clock) =>
  (input: GetLayerVersionByArnRequest, ctx: RestRequestContext): GetLayerVersionResponse => {
    const found = backend.layers.byArn(input.Arn!);
    if (!found) throw LambdaErrors.resourceNotFound();
    return backend.layers.output(found.layer, found.version, codeLocation(ctx.baseUrl, backend, clock, found.version.zipPath));
  };
