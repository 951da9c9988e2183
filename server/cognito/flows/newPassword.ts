import { CognitoErrors } from "../errors.js";
import { required } from "../parameters.js";
import { checkPasswordPolicy, passwordFields } from "../passwords.js";
import type { UserRecord } from "../store.js";
import type { AuthAnswer, FlowContext } from "./context.js";
import { mfaStep } from "./mfa.js";
import { finishSignIn } from "./signIn.js";

/**
 * NEW_PASSWORD_REQUIRED: the user's own password replaces the temporary one, with any attributes
 * the challenge asked for; MFA, when the pool calls for it, follows.
 */
export async function answerNewPassword(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  if (!sessionId) throw CognitoErrors.invalidParameter("Missing required parameter Session");
  const username = required(responses, "USERNAME");
  const newPassword = required(responses, "NEW_PASSWORD");
  const session = svc.sessions.take(sessionId, pool.id, client.id);
  const user = svc.store.findUser(pool, username);
  if (session.challengeName !== "NEW_PASSWORD_REQUIRED" || !user || user.username !== session.username) throw CognitoErrors.invalidSession();
  checkPasswordPolicy(pool, newPassword);
  const attributes = { ...user.attributes };
  for (const [k, v] of Object.entries(responses)) if (k.startsWith("userAttributes.")) attributes[k.slice("userAttributes.".length)] = v;
  for (const name of pool.requiredAttributes ?? []) {
    if (!attributes[name]) throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: The attribute is required`);
  }
  const updated: UserRecord = {
    ...user,
    attributes,
    ...passwordFields(svc, pool, user.username, newPassword, { temporary: false }),
    status: "CONFIRMED",
    updatedAt: svc.clock.now(),
  };
  svc.store.putUser(updated);
  const challenge = await mfaStep(flow, updated, "TokenGeneration_NewPasswordChallenge");
  if (challenge) return challenge;
  return finishSignIn(flow, updated, "TokenGeneration_NewPasswordChallenge");
}
