import type { CustomMessageTriggerEvent } from "aws-lambda";
import { CognitoErrors } from "../errors.js";
import type { UserRecord } from "../store.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, isObject, triggerAttributes, type StringMap } from "./events.js";

export type MessageSource = CustomMessageTriggerEvent["triggerSource"];

/** The placeholders AWS hands the trigger; its message must keep the code one where Cognito fills the code in. */
export const CODE_PARAMETER = "{####}";
export const USERNAME_PARAMETER = "{username}";

/**
 * Custom Message: the trigger may rewrite the email that carries a code. Null when no trigger is
 * configured or it left the message alone. A message that drops the code placeholder would mail
 * no code: the default message goes instead (rekognito's choice; AWS does not document it).
 */
export async function customMessage(
  call: TriggerCall,
  input: { source: MessageSource; user: UserRecord; userAttributes?: StringMap; clientMetadata: StringMap | undefined },
): Promise<{ emailMessage: string | null; emailSubject: string | null } | null> {
  const event = {
    ...baseEvent(call.pool, input.source, input.user.username, call.caller),
    request: {
      userAttributes: input.userAttributes ?? triggerAttributes(input.user),
      codeParameter: CODE_PARAMETER,
      linkParameter: "{##Click Here##}",
      // AWS gives the user name placeholder to AdminCreateUser's invitation only.
      usernameParameter: input.source === "CustomMessage_AdminCreateUser" ? USERNAME_PARAMETER : null,
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
    },
    response: { smsMessage: null, emailMessage: null, emailSubject: null },
  } as CustomMessageTriggerEvent;
  const answered = await call.triggers.run(call.pool, "CustomMessage", event, call.trace);
  if (!answered) return null;
  const r = answered.response as unknown;
  if (r === undefined || r === null) return null;
  if (!isObject(r)) throw CognitoErrors.invalidLambdaResponse();
  const text = (v: unknown) => (typeof v === "string" && v ? v : null);
  const emailMessage = text(r.emailMessage);
  const emailSubject = text(r.emailSubject);
  return { emailMessage: emailMessage?.includes(CODE_PARAMETER) ? emailMessage : null, emailSubject };
}
