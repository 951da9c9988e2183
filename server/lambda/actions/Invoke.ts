import type { InvocationRequest, InvocationResponse } from "@aws-sdk/client-lambda";
import type { RestRequestContext } from "../../protocol/rest-json.js";
import { LambdaErrors } from "../errors.js";
import { MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD } from "../limits.js";
import { TAIL_BYTES } from "../logs.js";
import type { LambdaServices } from "../services.js";

/** Payload arrives as the raw HTTP body. */
type Input = Omit<InvocationRequest, "Payload"> & { Payload: Buffer };

/** Errors whose payload AWS sends without a trace (the runtime, not the handler, failed). */
const NO_TRACE = new Set(["Sandbox.Timedout", "Runtime.ExitError", "Runtime.OutOfMemory", "Function.ResponseSizeTooLarge", "Runtime.InvalidEntrypoint"]);

/**
 * Runs a function: RequestResponse waits for its answer (a function error is still a 200, with
 * X-Amz-Function-Error), Event runs it in the background (202), DryRun only checks (204). The
 * pipeline puts StatusCode, the headers and the Payload where the model says.
 */
export const Invoke =
  ({ targets, invocations }: Pick<LambdaServices, "targets" | "invocations">) =>
  async (input: Input, ctx: RestRequestContext): Promise<InvocationResponse> => {
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
    if (type === "DryRun") return { StatusCode: 204 };
    if (type === "Event") {
      invocations.invokeAsync(target, text, "Event");
      return { StatusCode: 202 };
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
    const out: InvocationResponse = { StatusCode: 200, ExecutedVersion: target.version };
    if (input.LogType === "Tail") {
      const log = Buffer.from(outcome.log, "utf8");
      out.LogResult = log.subarray(Math.max(0, log.length - TAIL_BYTES)).toString("base64");
    }
    // The runner refuses a response over AWS's limit (Function.ResponseSizeTooLarge) as it arrives.
    if (outcome.ok) return { ...out, Payload: Buffer.from(outcome.payload, "utf8") };
    // AWS marks every function error "Unhandled" on the wire, thrown errors included.
    out.FunctionError = "Unhandled";
    // A Runtime API runtime's own error document ({errorMessage, errorType, requestId, stackTrace}) as it posted it.
    if (outcome.document !== undefined) return { ...out, Payload: Buffer.from(outcome.document, "utf8") };
    const body: Record<string, unknown> = { errorType: outcome.errorType, errorMessage: outcome.errorMessage };
    if (!NO_TRACE.has(outcome.errorType)) body["trace"] = outcome.trace;
    return { ...out, Payload: Buffer.from(JSON.stringify(body), "utf8") };
  };
