import type { PostAuthenticationTriggerEvent } from "aws-lambda";
import type { UserRecord } from "../store.js";
import type { TriggerCall } from "./call.js";
import { baseEvent, triggerAttributes, type StringMap } from "./events.js";

/** Post Authentication: once the user is authenticated, before the tokens; a trigger that throws refuses them. */
export async function postAuthentication(call: TriggerCall, input: { user: UserRecord; clientMetadata: StringMap | undefined }): Promise<void> {
  const event: PostAuthenticationTriggerEvent = {
    ...baseEvent(call.pool, "PostAuthentication_Authentication", input.user.username, call.caller),
    request: {
      userAttributes: triggerAttributes(input.user),
      // Device tracking is not modelled: no sign-in is from a new remembered device.
      newDeviceUsed: false,
      ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
    },
    response: {},
  };
  await call.triggers.run(call.pool, "PostAuthentication", event, call.trace);
}
