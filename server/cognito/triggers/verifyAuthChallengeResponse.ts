import type { VerifyAuthChallengeResponseTriggerEvent } from "aws-lambda";
import { CognitoErrors } from "../errors.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, type StringMap } from "./events.js";

/** Verify Auth Challenge Response: whether the answer was right. */
export async function verifyAuthChallengeResponse(
  call: TriggerCall,
  input: {
    userName: string;
    userAttributes: StringMap;
    privateChallengeParameters: StringMap;
    challengeAnswer: string;
    clientMetadata: StringMap | undefined;
    userNotFound: boolean;
  },
): Promise<boolean> {
  const event: VerifyAuthChallengeResponseTriggerEvent = {
    ...baseEvent(call.pool, "VerifyAuthChallengeResponse_Authentication", input.userName, call.caller),
    request: {
      userAttributes: input.userAttributes,
      privateChallengeParameters: input.privateChallengeParameters,
      challengeAnswer: input.challengeAnswer,
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
      userNotFound: input.userNotFound,
    },
    response: {} as VerifyAuthChallengeResponseTriggerEvent["response"],
  };
  const verified = await call.triggers.run(call.pool, "VerifyAuthChallengeResponse", event, call.trace);
  if (!verified) throw CognitoErrors.invalidParameter("Custom auth lambda trigger is not configured for the user pool.");
  const answerCorrect = (verified.response as Record<string, unknown> | undefined)?.answerCorrect;
  if (typeof answerCorrect !== "boolean") throw CognitoErrors.invalidLambdaResponse();
  return answerCorrect;
}
