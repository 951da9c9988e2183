import type { PreAuthenticationTriggerEvent } from "aws-lambda";
import type { TriggerCall } from "./call.js";
import { baseEvent, type StringMap } from "./events.js";

/**
 * Pre Authentication: before Cognito checks the password (or starts a custom challenge); a
 * trigger that throws refuses the sign-in (UserLambdaValidationException "PreAuthentication
 * failed with error ..."). InitiateAuth's ClientMetadata arrives as validationData.
 */
export async function preAuthentication(
  call: TriggerCall,
  input: { userName: string; userAttributes: StringMap; userNotFound: boolean; validationData: StringMap | undefined; clientMetadata: StringMap | undefined },
): Promise<void> {
  const event: PreAuthenticationTriggerEvent = {
    ...baseEvent(call.pool, "PreAuthentication_Authentication", input.userName, call.caller),
    request: {
      userAttributes: input.userAttributes,
      ...(input.userNotFound ? { userNotFound: true } : {}),
      ...(input.validationData ? { validationData: input.validationData } : {}),
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
    },
    response: {},
  };
  await call.triggers.run(call.pool, "PreAuthentication", event, call.trace);
}
