import type { FunctionConfiguration, PublishVersionRequest } from "@aws-sdk/client-lambda";
import { checkRevision } from "../configuration-checks.js";
import { LambdaErrors } from "../errors.js";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/**
 * A snapshot of $LATEST's code and configuration as version N. As AWS, when neither changed
 * since the last version, that version is returned and no new one made.
 */
export const PublishVersion =
  ({ targets, versions, configurations }: Pick<LambdaServices, "targets" | "versions" | "configurations">) =>
  (input: PublishVersionRequest, ctx: RestRequestContext): FunctionConfiguration => {
    const fn = targets.require(input.FunctionName!, ctx.region);
    checkRevision(fn, input.RevisionId);
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== fn.codeSha256) {
      throw LambdaErrors.invalidParameter(
        `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${fn.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    const published = versions.publish(fn, input.Description);
    return configurations.of(published.fn, published.version);
  };
