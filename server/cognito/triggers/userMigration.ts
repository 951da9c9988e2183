import type { UserMigrationTriggerEvent } from "aws-lambda";
import { CognitoErrors } from "../errors.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, isObject, stringMap, type StringMap } from "./events.js";

export interface MigratedUser {
  userAttributes: StringMap;
  finalUserStatus: "CONFIRMED" | "RESET_REQUIRED";
  messageAction: "RESEND" | "SUPPRESS" | undefined;
}

/**
 * User Migration: a user the pool does not know signs in with a password (or asks to reset one);
 * the trigger looks them up in the old system and answers their attributes. Null when no trigger
 * is configured. A trigger that throws means "no such user": AWS answers UserNotFoundException
 * "Exception migrating user in app client <id>".
 */
export async function userMigration(
  call: TriggerCall,
  input: {
    source: UserMigrationTriggerEvent["triggerSource"];
    userName: string;
    password: string | undefined;
    validationData: StringMap | undefined;
    clientMetadata: StringMap | undefined;
  },
): Promise<MigratedUser | null> {
  if (!call.triggers.has(call.pool, "UserMigration")) return null;
  const event = {
    ...baseEvent(call.pool, input.source, input.userName, call.caller),
    request: {
      ...(input.password !== undefined ? { password: input.password } : {}),
      ...(input.validationData ? { validationData: input.validationData } : {}),
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
    },
    response: {},
  } as UserMigrationTriggerEvent;
  let answered;
  try {
    answered = await call.triggers.run(call.pool, "UserMigration", event, call.trace);
  } catch (error) {
    if ((error as { type?: string }).type === "UserLambdaValidationException") throw CognitoErrors.migrationFailed(call.caller.clientId);
    throw error;
  }
  const r = answered?.response as unknown;
  if (!isObject(r)) throw CognitoErrors.invalidLambdaResponse();
  const userAttributes = stringMap(r.userAttributes);
  if (!userAttributes || !Object.keys(userAttributes).length) throw CognitoErrors.migrationFailed(call.caller.clientId);
  const status = r.finalUserStatus;
  if (status !== undefined && status !== null && status !== "CONFIRMED" && status !== "RESET_REQUIRED") throw CognitoErrors.invalidLambdaResponse();
  const action = r.messageAction;
  if (action !== undefined && action !== null && action !== "RESEND" && action !== "SUPPRESS") throw CognitoErrors.invalidLambdaResponse();
  return {
    userAttributes,
    // A migrated sign-in keeps the password it came with; a migrated reset must choose one.
    finalUserStatus: (status as MigratedUser["finalUserStatus"] | undefined) ?? (input.source === "UserMigration_ForgotPassword" ? "RESET_REQUIRED" : "CONFIRMED"),
    messageAction: (action as MigratedUser["messageAction"]) ?? undefined,
  };
}
