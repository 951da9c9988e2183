import type { PostConfirmationTriggerEvent } from "aws-lambda";
import type { UserRecord } from "../store.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, triggerAttributes, type StringMap } from "./events.js";

/** PostConfirmation after a user is confirmed; its answer changes nothing (and a failure is the caller's error, as on AWS). */
export async function postConfirmation(
  call: TriggerCall,
  input: { source: PostConfirmationTriggerEvent["triggerSource"]; user: UserRecord; clientMetadata: StringMap | undefined },
): Promise<void> {
  const event = {
    ...baseEvent(call.pool, input.source, input.user.username, call.caller),
    request: { userAttributes: triggerAttributes(input.user), ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}) },
    response: {},
  } as PostConfirmationTriggerEvent;
  await call.triggers.run(call.pool, "PostConfirmation", event, call.trace);
}
