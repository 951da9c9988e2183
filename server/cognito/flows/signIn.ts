import { CognitoErrors } from "../errors.js";
import type { UserRecord } from "../store.js";
import { triggerAttributes } from "../triggers/events.js";
import { postAuthentication } from "../triggers/postAuthentication.js";
import { preAuthentication } from "../triggers/preAuthentication.js";
import { laterMetadata, sessionExpiry, triggersOf, type AuthAnswer, type FlowContext } from "./context.js";
import { mfaStep } from "./mfa.js";
import { issueFor } from "./tokens.js";

/**
 * What every password-like sign-in shares once the user is known: Pre Authentication before the
 * first factor is checked, then, once it is proven, the user's status (NEW_PASSWORD_REQUIRED and
 * its expiry, a required reset), MFA, Post Authentication and the tokens.
 */

/** Pre Authentication, before the password, the SRP claim or a sign-in code is checked. */
export async function beforeFirstFactor(flow: FlowContext, user: UserRecord, trace?: string): Promise<void> {
  if (!user.enabled) throw CognitoErrors.userDisabled();
  await preAuthentication(triggersOf(flow, trace), {
    userName: user.username,
    userAttributes: triggerAttributes(user),
    userNotFound: false,
    validationData: flow.initiate ? flow.clientMetadata : undefined,
    clientMetadata: flow.initiate ? undefined : flow.clientMetadata,
  });
}

/** The first factor was proven by `how`: the challenges that remain, or the tokens. */
export async function afterFirstFactor(flow: FlowContext, user: UserRecord, how: "PASSWORD" | "EMAIL_OTP"): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  if (user.status === "UNCONFIRMED") throw CognitoErrors.userNotConfirmed();
  if (user.status === "RESET_REQUIRED") throw CognitoErrors.passwordResetRequired();
  if (user.status === "FORCE_CHANGE_PASSWORD" && how === "PASSWORD") {
    if (user.temporaryPasswordExpiresAt && user.temporaryPasswordExpiresAt <= svc.clock.now()) throw CognitoErrors.temporaryPasswordExpired();
    const Session = svc.sessions.start({
      poolId: pool.id,
      clientId: client.id,
      username: user.username,
      userNotFound: false,
      challengeName: "NEW_PASSWORD_REQUIRED",
      history: [],
      privateChallengeParameters: {},
      challengeMetadata: undefined,
      expiresAt: sessionExpiry(flow),
    });
    const { email_verified: _v, phone_number_verified: _p, ...attrs } = user.attributes;
    const required = (pool.requiredAttributes ?? []).filter((name) => !user.attributes[name]).map((name) => `userAttributes.${name}`);
    return {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session,
      ChallengeParameters: { USER_ID_FOR_SRP: user.username, requiredAttributes: JSON.stringify(required), userAttributes: JSON.stringify(attrs) },
    };
  }
  // A passwordless sign-in (a code mailed to the user) is not followed by MFA.
  if (how === "PASSWORD") {
    const challenge = await mfaStep(flow, user, "TokenGeneration_Authentication");
    if (challenge) return challenge;
  }
  return finishSignIn(flow, user, "TokenGeneration_Authentication");
}

/** Every challenge passed: Post Authentication, then the tokens. */
export async function finishSignIn(
  flow: FlowContext,
  user: UserRecord,
  source: "TokenGeneration_Authentication" | "TokenGeneration_NewPasswordChallenge",
  trace?: string,
): Promise<AuthAnswer> {
  const metadata = laterMetadata(flow);
  await postAuthentication(triggersOf(flow, trace), { user, clientMetadata: metadata });
  // The trigger may have changed the user (through the Admin API): the tokens carry them as they are now.
  const current = flow.services.store.userByUsername(flow.pool, user.username) ?? user;
  const AuthenticationResult = await issueFor(flow, current, { source, clientMetadata: metadata, trace });
  return { ChallengeParameters: {}, AuthenticationResult };
}
