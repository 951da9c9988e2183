import { AwsError } from "../protocol/errors.js";
import type { TraceRecorder } from "../core/traces.js";
import type { AuthAnswer } from "./flows/context.js";

/**
 * Records how a custom-auth round ended in its sign-in trace (server/core/traces.ts): the
 * tokens (with the ID token's claims), the next challenge, or the error Cognito answered.
 * The answer and the error pass through unchanged.
 */
export async function recordRound(traces: TraceRecorder | undefined, traceId: string | undefined, round: Promise<AuthAnswer>): Promise<AuthAnswer> {
  if (!traces || !traceId) return round;
  try {
    const answer = await round;
    if (answer.AuthenticationResult) traces.round(traceId, { kind: "tokens", idTokenClaims: claimsOf(answer.AuthenticationResult.IdToken) });
    else traces.round(traceId, { kind: "challenge", publicParameters: answer.ChallengeParameters });
    return answer;
  } catch (error) {
    if (error instanceof AwsError) traces.round(traceId, { kind: "error", type: error.type, message: error.message });
    else traces.round(traceId, { kind: "error", type: "InternalErrorException", message: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

function claimsOf(jwt: string | undefined): Record<string, unknown> | undefined {
  try {
    return jwt ? (JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
