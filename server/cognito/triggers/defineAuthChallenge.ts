import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import { CognitoErrors } from "../errors.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, isOptionalBoolean, type ChallengeSessionEntry, type StringMap } from "./events.js";

export interface DefineDecision {
  challengeName: string | undefined;
  issueTokens: boolean;
  failAuthentication: boolean;
}

/** Define Auth Challenge: given the session so far, tokens, failure, or the next challenge's name. */
export async function defineAuthChallenge(
  call: TriggerCall,
  input: {
    userName: string;
    userAttributes: StringMap;
    session: ChallengeSessionEntry[];
    clientMetadata: StringMap | undefined;
    userNotFound: boolean;
  },
): Promise<DefineDecision> {
  const event: DefineAuthChallengeTriggerEvent = {
    ...baseEvent(call.pool, "DefineAuthChallenge_Authentication", input.userName, call.caller),
    request: {
      userAttributes: input.userAttributes,
      session: input.session,
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
      userNotFound: input.userNotFound,
    },
    response: {} as DefineAuthChallengeTriggerEvent["response"],
  };
  const defined = await call.triggers.run(call.pool, "DefineAuthChallenge", event, call.trace);
  const response = defined?.response as Record<string, unknown> | undefined;
  if (!response) throw CognitoErrors.invalidLambdaResponse();
  const { challengeName, issueTokens, failAuthentication } = response;
  if (!isOptionalBoolean(issueTokens) || !isOptionalBoolean(failAuthentication)) throw CognitoErrors.invalidLambdaResponse();
  if (challengeName !== undefined && challengeName !== null && typeof challengeName !== "string") throw CognitoErrors.invalidLambdaResponse();
  return {
    challengeName: typeof challengeName === "string" && challengeName ? challengeName : undefined,
    issueTokens: issueTokens === true,
    failAuthentication: failAuthentication === true,
  };
}
