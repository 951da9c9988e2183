import { createHmac } from "node:crypto";
import { checkSecretHash } from "../appClients.js";
import { CognitoErrors } from "../errors.js";
import { required } from "../parameters.js";
import type { AuthSession } from "../sessions.js";
import { isSrpTimestamp, makeVerifier, parseA, serverEphemeral, srpPoolName, verifyPasswordClaim, verifierOf, type SrpVerifier } from "../srp.js";
import type { UserRecord } from "../store.js";
import { sessionExpiry, type AuthAnswer, type FlowContext } from "./context.js";
import { continueCustomAfterPassword } from "./customAuth.js";
import { afterFirstFactor, beforeFirstFactor } from "./signIn.js";
import { unknownUserName } from "./unknownUser.js";

/**
 * SRP sign-in: USER_SRP_AUTH (Amplify's default signIn), USER_AUTH's PASSWORD_SRP and a custom
 * flow's SRP_A step all answer PASSWORD_VERIFIER with the pool's SALT, the server's SRP_B and a
 * SECRET_BLOCK; the client proves the password with PASSWORD_CLAIM_SIGNATURE (server/cognito/srp.ts).
 */

/**
 * A stand-in verifier for a user who does not exist (or has no SRP verifier): stable per pool and
 * name, so that two attempts see the same SALT as they would for a real user, and no password
 * ever matches it.
 */
function decoyVerifier(flow: FlowContext, name: string): SrpVerifier {
  const h = createHmac("sha256", flow.pool.key.privateKeyPem).update(`srp-decoy:${name.toLowerCase()}`).digest();
  return makeVerifier(srpPoolName(flow.pool.id), name, h.toString("base64"), h.subarray(0, 16));
}

/**
 * Answers PASSWORD_VERIFIER for `user` (null: unknown, answered alike) and keeps the exchange in
 * the session; `userId` is USER_ID_FOR_SRP: the user name, or the stand-in of an unknown one.
 */
export function passwordVerifierChallenge(
  flow: FlowContext,
  user: UserRecord | null,
  userId: string,
  srpA: string,
  extra: Partial<AuthSession> = {},
): AuthAnswer {
  const A = parseA(srpA);
  if (A === null) throw CognitoErrors.invalidParameter("Invalid SRP_A value.");
  const { services: svc, pool, client } = flow;
  const verifier = user?.srp ? verifierOf(user.srp) : decoyVerifier(flow, userId);
  const { b, B } = serverEphemeral(verifier, svc.ids.bytes(32));
  const secretBlock = svc.ids.bytes(64).toString("base64");
  const Session = svc.sessions.start({
    poolId: pool.id,
    clientId: client.id,
    username: userId,
    userNotFound: user === null,
    challengeName: "PASSWORD_VERIFIER",
    history: [],
    privateChallengeParameters: {},
    challengeMetadata: undefined,
    expiresAt: sessionExpiry(flow),
    ...extra,
    srp: { A: srpA, b, B, secretBlock, custom: extra.srp?.custom ?? false },
  });
  return {
    ChallengeName: "PASSWORD_VERIFIER",
    Session,
    ChallengeParameters: { SALT: verifier.salt, SECRET_BLOCK: secretBlock, SRP_B: B, USERNAME: userId, USER_ID_FOR_SRP: userId },
  };
}

/** InitiateAuth / AdminInitiateAuth with USER_SRP_AUTH. */
export async function userSrpAuth(flow: FlowContext, params: Record<string, string>): Promise<AuthAnswer> {
  const username = required(params, "USERNAME");
  const srpA = required(params, "SRP_A");
  const user = flow.services.store.findUser(flow.pool, username) ?? null;
  checkSecretHash(flow.client, params.SECRET_HASH, [username, user?.username]);
  if (!user && flow.client.preventUserExistenceErrors !== "ENABLED") throw CognitoErrors.userNotFound();
  if (user) await beforeFirstFactor(flow, user);
  return passwordVerifierChallenge(flow, user, user ? user.username : unknownUserName(flow.pool, username), srpA);
}

/** RespondToAuthChallenge PASSWORD_VERIFIER: the password claim, then the rest of the sign-in (or of the custom flow). */
export async function answerPasswordVerifier(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  if (!sessionId) throw CognitoErrors.invalidParameter("Missing required parameter Session");
  const username = required(responses, "USERNAME");
  const signature = required(responses, "PASSWORD_CLAIM_SIGNATURE");
  const secretBlock = required(responses, "PASSWORD_CLAIM_SECRET_BLOCK");
  const timestamp = required(responses, "TIMESTAMP");
  const session = svc.sessions.take(sessionId, pool.id, client.id);
  if (session.challengeName !== "PASSWORD_VERIFIER" || !session.srp) throw CognitoErrors.invalidSession();
  let user: UserRecord | null = null;
  if (!session.userNotFound) {
    user = svc.store.findUser(pool, username) ?? null;
    if (!user || user.username !== session.username) throw CognitoErrors.invalidSession();
    if (!user.enabled) throw CognitoErrors.userDisabled();
  } else if (username !== session.username && unknownUserName(pool, username) !== session.username) {
    throw CognitoErrors.invalidSession();
  }
  checkSecretHash(client, responses.SECRET_HASH, [username, user?.username]);
  if (secretBlock !== session.srp.secretBlock) throw CognitoErrors.incorrectCredentials();
  if (!isSrpTimestamp(timestamp)) throw CognitoErrors.invalidParameter("TIMESTAMP format is invalid.");
  const verifier = user?.srp ? verifierOf(user.srp) : undefined;
  const proven =
    verifier !== undefined &&
    verifyPasswordClaim({
      poolName: srpPoolName(pool.id),
      userId: session.username,
      A: parseA(session.srp.A)!,
      B: session.srp.B,
      b: session.srp.b,
      verifier,
      secretBlock: Buffer.from(secretBlock, "base64"),
      timestamp,
      signature,
    });
  if (session.srp.custom) return continueCustomAfterPassword(flow, session, user, proven);
  if (!proven || !user) throw CognitoErrors.incorrectCredentials();
  return afterFirstFactor(flow, user, "PASSWORD");
}
