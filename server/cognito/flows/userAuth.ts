import type { ChallengeNameType } from "@aws-sdk/client-cognito-identity-provider";
import { checkSecretHash } from "../appClients.js";
import { maskEmail } from "../attributes.js";
import { CognitoErrors } from "../errors.js";
import { required } from "../parameters.js";
import type { UserRecord } from "../store.js";
import { sessionExpiry, type AuthAnswer, type FlowContext } from "./context.js";
import { mailSignInCode } from "./mfa.js";
import { passwordSignIn } from "./password.js";
import { beforeFirstFactor } from "./signIn.js";
import { passwordVerifierChallenge } from "./srp.js";
import { unknownUserName } from "./unknownUser.js";

/**
 * Choice-based sign-in (USER_AUTH): the user signs in with one of the first factors the pool's
 * SignInPolicy.AllowedFirstAuthFactors allows and the user has: PASSWORD (and its SRP form,
 * PASSWORD_SRP) for a user with a password, EMAIL_OTP for a user with an email address. With
 * PREFERRED_CHALLENGE the flow starts there; without it (or when it is not available) the answer is
 * SELECT_CHALLENGE with AvailableChallenges.
 */

type Factor = "PASSWORD" | "PASSWORD_SRP" | "EMAIL_OTP";

function availableFactors(flow: FlowContext, user: UserRecord | null): Factor[] {
  const out: Factor[] = [];
  for (const factor of flow.pool.firstAuthFactors ?? ["PASSWORD"]) {
    if (factor === "PASSWORD" && (!user || user.password)) out.push("PASSWORD", "PASSWORD_SRP");
    if (factor === "EMAIL_OTP" && (!user || user.attributes.email)) out.push("EMAIL_OTP");
  }
  return out;
}

function waitFor(flow: FlowContext, user: UserRecord | null, userId: string, challengeName: Factor | "SELECT_CHALLENGE", available: Factor[]): string {
  return flow.services.sessions.start({
    poolId: flow.pool.id,
    clientId: flow.client.id,
    username: userId,
    userNotFound: user === null,
    challengeName,
    history: [],
    privateChallengeParameters: { availableChallenges: available.join(" ") },
    challengeMetadata: undefined,
    expiresAt: sessionExpiry(flow),
  });
}

/** InitiateAuth / AdminInitiateAuth with USER_AUTH. */
export async function userAuth(flow: FlowContext, params: Record<string, string>): Promise<AuthAnswer> {
  const username = required(params, "USERNAME");
  const user = flow.services.store.findUser(flow.pool, username) ?? null;
  checkSecretHash(flow.client, params.SECRET_HASH, [username, user?.username]);
  if (!user && flow.client.preventUserExistenceErrors !== "ENABLED") throw CognitoErrors.userNotFound();
  if (user && !user.enabled) throw CognitoErrors.userDisabled();
  const available = availableFactors(flow, user);
  const preferred = params.PREFERRED_CHALLENGE as Factor | undefined;
  const userId = user ? user.username : unknownUserName(flow.pool, username);
  if (preferred && available.includes(preferred)) return startFactor(flow, user, username, preferred, params);
  return {
    ChallengeName: "SELECT_CHALLENGE",
    Session: waitFor(flow, user, userId, "SELECT_CHALLENGE", available),
    ChallengeParameters: {},
    AvailableChallenges: available as ChallengeNameType[],
  };
}

/** Starts the chosen first factor, with what the request already carries (PASSWORD, SRP_A). */
async function startFactor(flow: FlowContext, user: UserRecord | null, given: string, factor: Factor, responses: Record<string, string>): Promise<AuthAnswer> {
  const userId = user ? user.username : unknownUserName(flow.pool, given);
  switch (factor) {
    case "PASSWORD":
      if (!responses.PASSWORD) return { ChallengeName: "PASSWORD", Session: waitFor(flow, user, userId, "PASSWORD", [factor]), ChallengeParameters: {} };
      return passwordSignIn(flow, user ? user.username : given, responses.PASSWORD);
    case "PASSWORD_SRP":
      if (!responses.SRP_A) return { ChallengeName: "PASSWORD_SRP", Session: waitFor(flow, user, userId, "PASSWORD_SRP", [factor]), ChallengeParameters: {} };
      if (user) await beforeFirstFactor(flow, user);
      return passwordVerifierChallenge(flow, user, userId, responses.SRP_A);
    case "EMAIL_OTP": {
      if (!user) {
        // Nobody to mail: a challenge shaped like a real one, which no code answers.
        return {
          ChallengeName: "EMAIL_OTP",
          Session: waitFor(flow, null, userId, "EMAIL_OTP", [factor]),
          ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: "EMAIL", CODE_DELIVERY_DESTINATION: given.includes("@") ? maskEmail(given) : "u***@e***" },
        };
      }
      await beforeFirstFactor(flow, user);
      return mailSignInCode(flow, user, user.attributes.email!, "first-factor", "TokenGeneration_Authentication");
    }
  }
}

/**
 * RespondToAuthChallenge for USER_AUTH's own challenges: SELECT_CHALLENGE (ANSWER names the
 * factor, with its PASSWORD or SRP_A alongside), and PASSWORD / PASSWORD_SRP asked for on their own.
 */
export async function answerFirstFactor(
  flow: FlowContext,
  challengeName: "SELECT_CHALLENGE" | "PASSWORD" | "PASSWORD_SRP",
  sessionId: string | undefined,
  responses: Record<string, string>,
): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  if (!sessionId) throw CognitoErrors.invalidParameter("Missing required parameter Session");
  const username = required(responses, "USERNAME");
  const session = svc.sessions.take(sessionId, pool.id, client.id);
  if (session.challengeName !== challengeName) throw CognitoErrors.invalidSession();
  let user: UserRecord | null = null;
  if (!session.userNotFound) {
    user = svc.store.findUser(pool, username) ?? null;
    if (!user || user.username !== session.username) throw CognitoErrors.invalidSession();
  } else if (username !== session.username && unknownUserName(pool, username) !== session.username) {
    throw CognitoErrors.invalidSession();
  }
  checkSecretHash(client, responses.SECRET_HASH, [username, user?.username]);
  const available = (session.privateChallengeParameters.availableChallenges ?? "").split(" ") as Factor[];
  const factor = (challengeName === "SELECT_CHALLENGE" ? required(responses, "ANSWER") : challengeName) as Factor;
  if (!available.includes(factor)) throw CognitoErrors.invalidParameter(`The ${factor} challenge is not available for this user.`);
  return startFactor(flow, user, username, factor, responses);
}
