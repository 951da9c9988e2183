import { CognitoErrors } from "../errors.js";
import type { AuthAnswer, FlowContext } from "./context.js";
import { answerCustomChallenge } from "./customAuth.js";
import { answerNewPassword } from "./newPassword.js";

/** RespondToAuthChallenge and AdminRespondToAuthChallenge: the flow that answers the named challenge. */
export async function respondToAuthChallenge(
  flow: FlowContext,
  challengeName: string,
  session: string | undefined,
  responses: Record<string, string>,
): Promise<AuthAnswer> {
  switch (challengeName) {
    case "CUSTOM_CHALLENGE":
      return answerCustomChallenge(flow, session, responses);
    case "NEW_PASSWORD_REQUIRED":
      return answerNewPassword(flow, session, responses);
    default:
      throw CognitoErrors.notImplemented(`The ${challengeName} challenge`);
  }
}
