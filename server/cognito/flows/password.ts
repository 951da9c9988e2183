import { checkSecretHash } from "../appClients.js";
import { isEmail } from "../attributes.js";
import { CognitoErrors } from "../errors.js";
import { required } from "../parameters.js";
import { passwordFields } from "../passwords.js";
import type { UserRecord } from "../store.js";
import { userMigration } from "../triggers/userMigration.js";
import { triggersOf, type AuthAnswer, type FlowContext } from "./context.js";
import { afterFirstFactor, beforeFirstFactor } from "./signIn.js";

/** USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password itself, checked against the pool's. */
export async function passwordAuth(flow: FlowContext, params: Record<string, string>): Promise<AuthAnswer> {
  const username = required(params, "USERNAME");
  const password = required(params, "PASSWORD");
  const user = flow.services.store.findUser(flow.pool, username);
  checkSecretHash(flow.client, params.SECRET_HASH, [username, user?.username]);
  return passwordSignIn(flow, username, password);
}

/**
 * A sign-in with the password in hand (USER_PASSWORD_AUTH, USER_AUTH's PASSWORD): a user the pool
 * does not know may come from User Migration; Pre Authentication, the password, then the rest.
 */
export async function passwordSignIn(flow: FlowContext, username: string, password: string): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  let user: UserRecord | null = svc.store.findUser(pool, username) ?? null;
  if (!user) {
    try {
      user = await migrate(flow, username, password);
    } catch (error) {
      // Hiding whether users exist hides whether the old system knew them too.
      if ((error as { type?: string }).type === "UserNotFoundException" && client.preventUserExistenceErrors === "ENABLED") throw CognitoErrors.incorrectCredentials();
      throw error;
    }
    if (!user) {
      if (client.preventUserExistenceErrors === "ENABLED") throw CognitoErrors.incorrectCredentials();
      throw CognitoErrors.userNotFound();
    }
    return afterFirstFactor(flow, user, "PASSWORD");
  }
  await beforeFirstFactor(flow, user);
  if (!svc.store.passwordMatches(user, password)) throw CognitoErrors.incorrectCredentials();
  if (!user.srp) {
    // A password set before SRP was modelled has no verifier yet: it gets one now that it is known.
    const { srp } = passwordFields(svc, pool, user.username, password, { temporary: false });
    user = { ...user, srp };
    svc.store.putUser(user);
  }
  return afterFirstFactor(flow, user, "PASSWORD");
}

/**
 * User Migration (UserMigration_Authentication): the old system vouches for the user and the
 * password, and the user is created with the attributes it answered and that password.
 */
async function migrate(flow: FlowContext, username: string, password: string): Promise<UserRecord | null> {
  const { pool, client, services: svc } = flow;
  const migrated = await userMigration(triggersOf(flow), {
    source: "UserMigration_Authentication",
    userName: username,
    password,
    validationData: flow.initiate ? flow.clientMetadata : undefined,
    clientMetadata: flow.initiate ? undefined : flow.clientMetadata,
  });
  if (!migrated) return null;
  const { sub: _sub, ...attributes } = migrated.userAttributes;
  const emailIsUsername = pool.usernameAttributes.includes("email");
  if (emailIsUsername) {
    if (!isEmail(username)) throw CognitoErrors.migrationFailed(client.id);
    attributes.email ??= username;
  }
  const now = svc.clock.now();
  const sub = svc.ids.uuid();
  const name = emailIsUsername ? sub : username;
  const user: UserRecord = {
    poolId: pool.id,
    username: name,
    sub,
    attributes,
    status: migrated.finalUserStatus,
    enabled: true,
    createdAt: now,
    updatedAt: now,
    ...passwordFields(svc, pool, name, password, { temporary: false }),
    code: null,
  };
  svc.store.putUser(user);
  return user;
}
