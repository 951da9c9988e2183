import type { AuthFlowType } from "@aws-sdk/client-cognito-identity-provider";
import { checkSecretHash, clientAllows } from "../appClients.js";
import { CognitoErrors } from "../errors.js";
import type { AuthAnswer, FlowContext } from "./context.js";
import { startCustomAuth } from "./customAuth.js";
import { passwordAuth } from "./password.js";
import { refreshAuth } from "./refresh.js";
import { userSrpAuth } from "./srp.js";
import { userAuth } from "./userAuth.js";

/** InitiateAuth and AdminInitiateAuth: the flow the request names, if the app client allows it, with AWS's errors. */
export async function initiateAuth(flow: FlowContext, authFlow: AuthFlowType, params: Record<string, string>): Promise<AuthAnswer> {
  const { client, admin } = flow;
  const notEnabled = () => CognitoErrors.invalidParameter("Auth flow not enabled for this client");
  switch (authFlow) {
    case "CUSTOM_AUTH":
      if (!clientAllows(client, "CUSTOM_AUTH")) throw notEnabled();
      return startCustomAuth(flow, params);
    case "USER_PASSWORD_AUTH":
      if (admin) throw CognitoErrors.invalidParameter("Initiate Auth method not supported.");
      if (!clientAllows(client, "USER_PASSWORD_AUTH")) throw CognitoErrors.invalidParameter("USER_PASSWORD_AUTH flow not enabled for this client");
      return passwordAuth(flow, params);
    case "ADMIN_USER_PASSWORD_AUTH":
    case "ADMIN_NO_SRP_AUTH":
      if (!admin) throw CognitoErrors.invalidParameter("Initiate Auth method not supported.");
      if (!clientAllows(client, "ADMIN_USER_PASSWORD_AUTH")) throw notEnabled();
      return passwordAuth(flow, params);
    case "REFRESH_TOKEN_AUTH":
    case "REFRESH_TOKEN":
      if (!clientAllows(client, "REFRESH_TOKEN_AUTH")) throw notEnabled();
      if (client.refreshTokenRotation?.enabled) {
        throw CognitoErrors.invalidParameter("Refresh token rotation is enabled for this app client: refresh with GetTokensFromRefreshToken.");
      }
      return refreshAuth(flow, params.REFRESH_TOKEN, (record, user) => {
        if (client.secret) checkSecretHash(client, params.SECRET_HASH, [params.USERNAME, record?.username, user?.sub]);
      });
    case "USER_SRP_AUTH":
      if (!clientAllows(client, "USER_SRP_AUTH")) throw notEnabled();
      return userSrpAuth(flow, params);
    case "USER_AUTH":
      if (!clientAllows(client, "USER_AUTH")) throw notEnabled();
      return userAuth(flow, params);
    default:
      throw CognitoErrors.notImplemented(`The ${authFlow} flow`);
  }
}
