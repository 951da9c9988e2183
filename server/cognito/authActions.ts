import type { AuthFlowType } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../protocol/json.js";
import {
  answerCustomChallenge,
  answerNewPassword,
  checkSecretHash,
  clientAllows,
  passwordAuth,
  refreshAuth,
  startCustomAuth,
  type AuthAnswer,
} from "./authFlow.js";
import { CognitoErrors } from "./errors.js";
import type { ClientRecord, PoolRecord } from "./store.js";
import type { CognitoServices, StringMap } from "./types.js";

/** What InitiateAuth and AdminInitiateAuth share: the flow dispatch, with AWS's errors. */
export async function initiate(
  svc: CognitoServices,
  ctx: RequestContext,
  pool: PoolRecord,
  client: ClientRecord,
  flow: AuthFlowType,
  params: Record<string, string>,
  clientMetadata: StringMap | undefined,
  admin: boolean,
): Promise<AuthAnswer> {
  const notEnabled = () => CognitoErrors.invalidParameter("Auth flow not enabled for this client");
  switch (flow) {
    case "CUSTOM_AUTH":
      if (!clientAllows(client, "CUSTOM_AUTH")) throw notEnabled();
      return startCustomAuth(svc, ctx, pool, client, params);
    case "USER_PASSWORD_AUTH":
      if (admin) throw CognitoErrors.invalidParameter("Initiate Auth method not supported.");
      if (!clientAllows(client, "USER_PASSWORD_AUTH")) throw CognitoErrors.invalidParameter("USER_PASSWORD_AUTH flow not enabled for this client");
      return passwordAuth(svc, ctx, pool, client, params, clientMetadata);
    case "ADMIN_USER_PASSWORD_AUTH":
    case "ADMIN_NO_SRP_AUTH":
      if (!admin) throw CognitoErrors.invalidParameter("Initiate Auth method not supported.");
      if (!clientAllows(client, "ADMIN_USER_PASSWORD_AUTH")) throw notEnabled();
      return passwordAuth(svc, ctx, pool, client, params, clientMetadata);
    case "REFRESH_TOKEN_AUTH":
    case "REFRESH_TOKEN":
      if (!clientAllows(client, "REFRESH_TOKEN_AUTH")) throw notEnabled();
      return refreshAuth(svc, ctx, pool, client, params.REFRESH_TOKEN, clientMetadata, (record, user) => {
        if (client.secret) checkSecretHash(client, params.SECRET_HASH, [params.USERNAME, record?.username, user?.sub]);
      });
    case "USER_SRP_AUTH":
      if (!clientAllows(client, "USER_SRP_AUTH")) throw notEnabled();
      throw CognitoErrors.notImplemented("The USER_SRP_AUTH flow (use CUSTOM_AUTH or USER_PASSWORD_AUTH)");
    default:
      throw CognitoErrors.notImplemented(`The ${flow} flow`);
  }
}

/** What RespondToAuthChallenge and AdminRespondToAuthChallenge share. */
export async function respond(
  svc: CognitoServices,
  ctx: RequestContext,
  pool: PoolRecord,
  client: ClientRecord,
  challengeName: string,
  session: string | undefined,
  responses: Record<string, string>,
  clientMetadata: StringMap | undefined,
): Promise<AuthAnswer> {
  switch (challengeName) {
    case "CUSTOM_CHALLENGE":
      return answerCustomChallenge(svc, ctx, pool, client, session, responses, clientMetadata);
    case "NEW_PASSWORD_REQUIRED":
      return answerNewPassword(svc, ctx, pool, client, session, responses, clientMetadata);
    default:
      throw CognitoErrors.notImplemented(`The ${challengeName} challenge`);
  }
}
