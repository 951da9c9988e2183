import type { InvocationRequest } from "@aws-sdk/client-lambda";
import { LambdaErrors } from "../errors.js";
import { MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD } from "../limits.js";
import { TAIL_BYTES } from "../logs.js";
import { RestReply, type RestRequestContext } from "../../protocol/rest-json.js";
import type { LambdaServices } from "../services.js";

/** Payload arrives as the raw HTTP body. */
type Input = Omit<InvocationRequest, "Payload"> & { Payload: Buffer };

/** Errors whose payload AWS sends without a trace (the runtime, not the handler, failed). */
const NO_TRACE = new Set(["Sandbox.Timedout", "Runtime.ExitError", "Runtime.OutOfMemory", "Function.ResponseSizeTooLarge", "Runtime.InvalidEntrypoint"]);

/**
 * Runs a function: RequestResponse waits for its answer (a function error is still a 200, with
 * X-Amz-Function-Error), Event runs it in the background (202), DryRun only checks (204).
 */
export const Invoke =
  ({ targets, invocations }: Pick<LambdaServices, "targets" | "invocations">) =>
  async (input: Input, ctx: RestRequestContext): Promise<RestReply> => {
    const type = input.InvocationType ?? "RequestResponse";
    // A version, an alias (its routing decides the version) or $LATEST.
    const target = targets.resolve(input.FunctionName!, ctx.region, input.Qualifier, { route: type !== "DryRun" });
    if (type === "Event" && input.Payload.length > MAX_ASYNC_PAYLOAD) throw LambdaErrors.eventTooLarge(input.Payload.length, MAX_ASYNC_PAYLOAD);
    if (input.Payload.length > MAX_SYNC_PAYLOAD) throw LambdaErrors.requestTooLarge(MAX_SYNC_PAYLOAD, "InvokeFunction");
    const text = input.Payload.length ? input.Payload.toString("utf8") : "{}";
    try {
      JSON.parse(text);
    } catch (e) {
      throw LambdaErrors.invalidRequestContent(`Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`);
    }
    if (type === "DryRun") return new RestReply(204, {}, null);
    if (type === "Event") {
      invocations.invokeAsync(target, text, "Event");
      return new RestReply(202, {}, null);
    }
    let clientContext: unknown;
    if (input.ClientContext) {
      try {
        clientContext = JSON.parse(Buffer.from(input.ClientContext, "base64").toString("utf8"));
      } catch {
        throw LambdaErrors.invalidRequestContent("Client context must be a valid Base64-encoded JSON object.");
      }
    }
    const outcome = await invocations.run(target, text, { clientContext });
    if (!outcome.ok && outcome.throttled) throw LambdaErrors.throttled();
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-amz-executed-version": target.version,
    };
    if (input.LogType === "Tail") {
      const log = Buffer.from(outcome.log, "utf8");
      headers["x-amz-log-result"] = log.subarray(Math.max(0, log.length - TAIL_BYTES)).toString("base64");
    }
    // The runner refuses a response over AWS's limit (Function.ResponseSizeTooLarge) as it arrives.
    if (outcome.ok) return new RestReply(200, headers, outcome.payload);
    // AWS marks every function error "Unhandled" on the wire, thrown errors included.
    headers["x-amz-function-error"] = "Unhandled";
    // A Runtime API runtime's own error document ({errorMessage, errorType, requestId, stackTrace}) as it posted it.
    if (outcome.document !== undefined) return new RestReply(200, headers, outcome.document);
    const body: Record<string, unknown> = { errorType: outcome.errorType, errorMessage: outcome.errorMessage };
    if (!NO_TRACE.has(outcome.errorType)) body["trace"] = outcome.trace;
    return new RestReply(200, headers, JSON.stringify(body));
  };
