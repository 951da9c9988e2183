import type { PreSignUpTriggerEvent } from "aws-lambda";
import { CognitoErrors } from "../errors.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, isObject, isOptionalBoolean, type StringMap } from "./events.js";

export interface PreSignUpDecision {
  autoConfirmUser: boolean;
  autoVerifyEmail: boolean;
  autoVerifyPhone: boolean;
}

/** PreSignUp (SignUp, AdminCreateUser): what it decided; nothing decided without the trigger. */
export async function preSignUp(
  call: TriggerCall,
  input: {
    source: "PreSignUp_SignUp" | "PreSignUp_AdminCreateUser";
    userName: string;
    userAttributes: StringMap;
    validationData: StringMap | undefined;
    clientMetadata: StringMap | undefined;
  },
): Promise<PreSignUpDecision> {
  const event = {
    ...baseEvent(call.pool, input.source, input.userName, call.caller),
    request: {
      userAttributes: input.userAttributes,
      ...(input.validationData ? { validationData: input.validationData } : {}),
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
    },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  } as PreSignUpTriggerEvent;
  const answered = await call.triggers.run(call.pool, "PreSignUp", event, call.trace);
  if (!answered) return { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
  const r = answered.response as unknown;
  if (!isObject(r)) throw CognitoErrors.invalidLambdaResponse();
  for (const key of ["autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"]) {
    if (!isOptionalBoolean(r[key])) throw CognitoErrors.invalidLambdaResponse();
  }
  const autoConfirmUser = r.autoConfirmUser === true;
  if ((r.autoVerifyEmail === true || r.autoVerifyPhone === true) && !autoConfirmUser) {
    // AWS refuses to verify an attribute of a user it does not confirm.
    throw CognitoErrors.invalidLambdaResponse("Invalid lambda response: autoVerify requires autoConfirmUser");
  }
  return { autoConfirmUser, autoVerifyEmail: r.autoVerifyEmail === true, autoVerifyPhone: r.autoVerifyPhone === true };
}
