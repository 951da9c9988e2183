import { CognitoErrors } from "../errors.js";
import type { AuthAnswer, FlowContext } from "./context.js";
import { answerCustomChallenge } from "./customAuth.js";
import { answerEmailOtp, answerMfaSetup, answerSelectMfaType, answerSoftwareTokenMfa } from "./mfa.js";
import { answerNewPassword } from "./newPassword.js";
import { answerPasswordVerifier } from "./srp.js";
import { answerFirstFactor } from "./userAuth.js";

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
    case "PASSWORD_VERIFIER":
      return answerPasswordVerifier(flow, session, responses);
    case "SOFTWARE_TOKEN_MFA":
      return answerSoftwareTokenMfa(flow, session, responses);
    case "EMAIL_OTP":
      return answerEmailOtp(flow, session, responses);
    case "SELECT_MFA_TYPE":
      return answerSelectMfaType(flow, session, responses);
    case "MFA_SETUP":
      return answerMfaSetup(flow, session, responses);
    case "SELECT_CHALLENGE":
    case "PASSWORD":
    case "PASSWORD_SRP":
      return answerFirstFactor(flow, challengeName, session, responses);
    default:
      throw CognitoErrors.notImplemented(`The ${challengeName} challenge`);
  }
}
