import { checkSecretHash } from "../appClients.js";
import { CognitoErrors } from "../errors.js";
import { required } from "../parameters.js";
import { sessionExpiry, type AuthAnswer, type FlowContext } from "./context.js";
import { issueFor } from "./tokens.js";

/** USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password itself, checked against the pool's. */
export async function passwordAuth(flow: FlowContext, params: Record<string, string>): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  const username = required(params, "USERNAME");
  const password = required(params, "PASSWORD");
  const user = svc.store.findUser(pool, username);
  checkSecretHash(client, params.SECRET_HASH, [username, user?.username]);
  if (!user) {
    if (client.preventUserExistenceErrors === "ENABLED") throw CognitoErrors.incorrectCredentials();
    throw CognitoErrors.userNotFound();
  }
  if (!user.enabled) throw CognitoErrors.userDisabled();
  if (!svc.store.passwordMatches(user, password)) throw CognitoErrors.incorrectCredentials();
  if (user.status === "UNCONFIRMED") throw CognitoErrors.userNotConfirmed();
  if (user.status === "FORCE_CHANGE_PASSWORD") {
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
    return {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session,
      ChallengeParameters: { USER_ID_FOR_SRP: user.username, requiredAttributes: "[]", userAttributes: JSON.stringify(attrs) },
    };
  }
  const AuthenticationResult = await issueFor(flow, user, { source: "TokenGeneration_Authentication", clientMetadata: flow.clientMetadata });
  return { ChallengeParameters: {}, AuthenticationResult };
}
