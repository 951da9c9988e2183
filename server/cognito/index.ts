import type { FastifyInstance } from "fastify";
import type { CoreServices, StackComponent } from "../core/services.js";
import type { LambdaInvoker } from "../lambda/types.js";
import { baseUrlOf, sendAwsError, type ActionHandler, type JsonService } from "../protocol/json.js";
import { loadModel } from "../protocol/model.js";
import { AwsError } from "../protocol/errors.js";
import { CognitoErrors } from "./errors.js";
import { Mailbox } from "./mailbox.js";
import type { CognitoActionFactory, CognitoServices } from "./services.js";
import { AuthSessions } from "./sessions.js";
import { CognitoStore } from "./store.js";
import { TokenSigner } from "./tokens/signer.js";
import { Triggers } from "./triggers/invoker.js";
import { AdminAddUserToGroup } from "./actions/AdminAddUserToGroup.js";
import { AdminConfirmSignUp } from "./actions/AdminConfirmSignUp.js";
import { AdminCreateUser } from "./actions/AdminCreateUser.js";
import { AdminDeleteUser } from "./actions/AdminDeleteUser.js";
import { AdminDeleteUserAttributes } from "./actions/AdminDeleteUserAttributes.js";
import { AdminDisableUser } from "./actions/AdminDisableUser.js";
import { AdminEnableUser } from "./actions/AdminEnableUser.js";
import { AdminGetUser } from "./actions/AdminGetUser.js";
import { AdminInitiateAuth } from "./actions/AdminInitiateAuth.js";
import { AdminListGroupsForUser } from "./actions/AdminListGroupsForUser.js";
import { AdminRemoveUserFromGroup } from "./actions/AdminRemoveUserFromGroup.js";
import { AdminResetUserPassword } from "./actions/AdminResetUserPassword.js";
import { AdminRespondToAuthChallenge } from "./actions/AdminRespondToAuthChallenge.js";
import { AdminSetUserMFAPreference } from "./actions/AdminSetUserMFAPreference.js";
import { AdminSetUserPassword } from "./actions/AdminSetUserPassword.js";
import { AdminUpdateUserAttributes } from "./actions/AdminUpdateUserAttributes.js";
import { AdminUserGlobalSignOut } from "./actions/AdminUserGlobalSignOut.js";
import { AssociateSoftwareToken } from "./actions/AssociateSoftwareToken.js";
import { ChangePassword } from "./actions/ChangePassword.js";
import { ConfirmForgotPassword } from "./actions/ConfirmForgotPassword.js";
import { ConfirmSignUp } from "./actions/ConfirmSignUp.js";
import { CreateGroup } from "./actions/CreateGroup.js";
import { CreateUserPool } from "./actions/CreateUserPool.js";
import { CreateUserPoolClient } from "./actions/CreateUserPoolClient.js";
import { DeleteGroup } from "./actions/DeleteGroup.js";
import { DeleteUser } from "./actions/DeleteUser.js";
import { DeleteUserAttributes } from "./actions/DeleteUserAttributes.js";
import { DeleteUserPool } from "./actions/DeleteUserPool.js";
import { DescribeUserPool } from "./actions/DescribeUserPool.js";
import { DescribeUserPoolClient } from "./actions/DescribeUserPoolClient.js";
import { ForgotPassword } from "./actions/ForgotPassword.js";
import { GetGroup } from "./actions/GetGroup.js";
import { GetTokensFromRefreshToken } from "./actions/GetTokensFromRefreshToken.js";
import { GetUser } from "./actions/GetUser.js";
import { GetUserAttributeVerificationCode } from "./actions/GetUserAttributeVerificationCode.js";
import { GetUserPoolMfaConfig } from "./actions/GetUserPoolMfaConfig.js";
import { GlobalSignOut } from "./actions/GlobalSignOut.js";
import { InitiateAuth } from "./actions/InitiateAuth.js";
import { ListGroups } from "./actions/ListGroups.js";
import { ListUserPools } from "./actions/ListUserPools.js";
import { ListUsers } from "./actions/ListUsers.js";
import { ListUsersInGroup } from "./actions/ListUsersInGroup.js";
import { ResendConfirmationCode } from "./actions/ResendConfirmationCode.js";
import { RespondToAuthChallenge } from "./actions/RespondToAuthChallenge.js";
import { RevokeToken } from "./actions/RevokeToken.js";
import { SetUserMFAPreference } from "./actions/SetUserMFAPreference.js";
import { SetUserPoolMfaConfig } from "./actions/SetUserPoolMfaConfig.js";
import { SignUp } from "./actions/SignUp.js";
import { UpdateGroup } from "./actions/UpdateGroup.js";
import { UpdateUserAttributes } from "./actions/UpdateUserAttributes.js";
import { UpdateUserPool } from "./actions/UpdateUserPool.js";
import { UpdateUserPoolClient } from "./actions/UpdateUserPoolClient.js";
import { VerifySoftwareToken } from "./actions/VerifySoftwareToken.js";
import { VerifyUserAttribute } from "./actions/VerifyUserAttribute.js";

export { CognitoErrors } from "./errors.js";
export type { MailMessage } from "./mailbox.js";

/** The Cognito user pool actions rekognito implements; any other answers NotImplementedException. */
export const cognitoActions = {
  AdminAddUserToGroup,
  AdminConfirmSignUp,
  AdminCreateUser,
  AdminDeleteUser,
  AdminDeleteUserAttributes,
  AdminDisableUser,
  AdminEnableUser,
  AdminGetUser,
  AdminInitiateAuth,
  AdminListGroupsForUser,
  AdminRemoveUserFromGroup,
  AdminResetUserPassword,
  AdminRespondToAuthChallenge,
  AdminSetUserMFAPreference,
  AdminSetUserPassword,
  AdminUpdateUserAttributes,
  AdminUserGlobalSignOut,
  AssociateSoftwareToken,
  ChangePassword,
  ConfirmForgotPassword,
  ConfirmSignUp,
  CreateGroup,
  CreateUserPool,
  CreateUserPoolClient,
  DeleteGroup,
  DeleteUser,
  DeleteUserAttributes,
  DeleteUserPool,
  DescribeUserPool,
  DescribeUserPoolClient,
  ForgotPassword,
  GetGroup,
  GetTokensFromRefreshToken,
  GetUser,
  GetUserAttributeVerificationCode,
  GetUserPoolMfaConfig,
  GlobalSignOut,
  InitiateAuth,
  ListGroups,
  ListUserPools,
  ListUsers,
  ListUsersInGroup,
  ResendConfirmationCode,
  RespondToAuthChallenge,
  RevokeToken,
  SetUserMFAPreference,
  SetUserPoolMfaConfig,
  SignUp,
  UpdateGroup,
  UpdateUserAttributes,
  UpdateUserPool,
  UpdateUserPoolClient,
  VerifySoftwareToken,
  VerifyUserAttribute,
} satisfies Record<string, CognitoActionFactory>;

export type CognitoActionName = keyof typeof cognitoActions;

export type CognitoService = JsonService & StackComponent & { services: CognitoServices };

/**
 * Cognito user pools: the JSON actions (registered on the gateway by the caller), the JWKS and
 * OpenID configuration of each pool, and the local mailbox at GET /_rekognito/mailbox.
 */
export function createCognito(core: CoreServices, fastify: FastifyInstance, deps: { lambda: LambdaInvoker }): CognitoService {
  const store = new CognitoStore(core);
  const services: CognitoServices = {
    clock: core.clock,
    ids: core.ids,
    keys: core.keys,
    logger: core.logger,
    traces: core.traces,
    store,
    mailbox: new Mailbox(core),
    triggers: new Triggers(core, deps.lambda),
    tokens: new TokenSigner({ clock: core.clock, store }),
    sessions: new AuthSessions(core),
  };
  // No prototype: a target named `constructor` or `toString` finds no action here.
  const actions: Record<string, ActionHandler> = Object.create(null);
  for (const [name, factory] of Object.entries(cognitoActions) as [CognitoActionName, CognitoActionFactory][]) actions[name] = factory(services);

  const notFound = (poolId: string) => {
    const e = CognitoErrors.poolNotFound(poolId);
    return new AwsError(e.type, e.message, 404);
  };
  fastify.get<{ Params: { poolId: string } }>("/:poolId/.well-known/jwks.json", async (request, reply) => {
    const pool = store.pool(request.params.poolId);
    request.awsLog = { service: "cognito-idp", action: "jwks" };
    if (!pool) return sendAwsError(reply, notFound(request.params.poolId), core.ids.uuid());
    return reply.header("content-type", "application/json").header("cache-control", "max-age=300").send(services.tokens.jwks(pool));
  });
  fastify.get<{ Params: { poolId: string } }>("/:poolId/.well-known/openid-configuration", async (request, reply) => {
    const pool = store.pool(request.params.poolId);
    request.awsLog = { service: "cognito-idp", action: "openid-configuration" };
    if (!pool) return sendAwsError(reply, notFound(request.params.poolId), core.ids.uuid());
    return reply.header("content-type", "application/json").send(services.tokens.openidConfiguration(pool, baseUrlOf(request)));
  });
  fastify.get<{ Querystring: { address?: string } }>("/_rekognito/mailbox", async (request, reply) => {
    return reply.header("content-type", "application/json").send(services.mailbox.list(request.query.address));
  });

  return {
    name: "cognito-idp",
    model: loadModel("cognito-idp"),
    validationErrorType: "InvalidParameterException",
    actions,
    services,
    health: () => ({
      status: "ok",
      userPools: store.listPools().length,
      users: store.listPools().reduce((n, p) => n + store.userCount(p.id), 0),
      openSessions: services.sessions.size(),
      mailbox: services.mailbox.count(),
    }),
    close: async () => {},
  };
}
