import type { CreateAuthChallengeTriggerEvent } from "aws-lambda";
import { CognitoErrors } from "../errors.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, stringMap, type ChallengeSessionEntry, type StringMap } from "./events.js";

export interface CreatedChallenge {
  publicChallengeParameters: StringMap;
  privateChallengeParameters: StringMap;
  challengeMetadata: string | undefined;
}

/** Create Auth Challenge: the public and private parameters of the custom challenge Define asked for. */
export async function createAuthChallenge(
  call: TriggerCall,
  input: {
    userName: string;
    userAttributes: StringMap;
    challengeName: string;
    session: ChallengeSessionEntry[];
    clientMetadata: StringMap | undefined;
    userNotFound: boolean;
  },
): Promise<CreatedChallenge> {
  const event: CreateAuthChallengeTriggerEvent = {
    ...baseEvent(call.pool, "CreateAuthChallenge_Authentication", input.userName, call.caller),
    request: {
      userAttributes: input.userAttributes,
      challengeName: input.challengeName as CreateAuthChallengeTriggerEvent["request"]["challengeName"],
      session: input.session,
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
      userNotFound: input.userNotFound,
    },
    response: {} as CreateAuthChallengeTriggerEvent["response"],
  };
  const created = await call.triggers.run(call.pool, "CreateAuthChallenge", event, call.trace);
  if (!created) throw CognitoErrors.invalidParameter("Custom auth lambda trigger is not configured for the user pool.");
  const response = (created.response ?? {}) as Record<string, unknown>;
  const publicChallengeParameters = stringMap(response.publicChallengeParameters);
  const privateChallengeParameters = stringMap(response.privateChallengeParameters);
  const metadata = response.challengeMetadata;
  if (!publicChallengeParameters || !privateChallengeParameters) throw CognitoErrors.invalidLambdaResponse();
  if (metadata !== undefined && metadata !== null && typeof metadata !== "string") throw CognitoErrors.invalidLambdaResponse();
  return { publicChallengeParameters, privateChallengeParameters, challengeMetadata: typeof metadata === "string" ? metadata : undefined };
}
