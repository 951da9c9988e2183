import type { AuthFactorType, UserPoolClientType, UserPoolType, UserType } from "@aws-sdk/client-cognito-identity-provider";
import type { SchemaAttributeType } from "@aws-sdk/client-cognito-identity-provider";
import { attributeList, standardSchema } from "./attributes.js";
import type { ClientRecord, PoolRecord, UserRecord } from "./store.js";
import { epochSeconds, type Wire } from "./wire.js";

/** User pools, app clients and users in AWS's response shapes. */

export function poolView(pool: PoolRecord, userCount: number): Wire<UserPoolType> {
  const view: Wire<UserPoolType> = {
    Id: pool.id,
    Name: pool.name,
    Policies: { PasswordPolicy: pool.passwordPolicy, SignInPolicy: { AllowedFirstAuthFactors: (pool.firstAuthFactors ?? ["PASSWORD"]) as AuthFactorType[] } },
    DeletionProtection: "INACTIVE",
    LambdaConfig: pool.lambdaConfig,
    LastModifiedDate: epochSeconds(pool.updatedAt),
    CreationDate: epochSeconds(pool.createdAt),
    SchemaAttributes: [
      ...standardSchema(),
      ...pool.customAttributes.map((c): SchemaAttributeType => ({
        Name: c.name,
        AttributeDataType: c.type as SchemaAttributeType["AttributeDataType"],
        DeveloperOnlyAttribute: false,
        Mutable: c.mutable,
        Required: false,
        ...(c.type === "String" ? { StringAttributeConstraints: {} } : {}),
      })),
    ],
    VerificationMessageTemplate: { DefaultEmailOption: "CONFIRM_WITH_CODE" },
    MfaConfiguration: pool.mfa?.configuration ?? "OFF",
    EstimatedNumberOfUsers: userCount,
    EmailConfiguration: { EmailSendingAccount: "COGNITO_DEFAULT" },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: pool.passwordPolicy.TemporaryPasswordValidityDays },
    Arn: pool.arn,
    ...(pool.extra as Partial<Wire<UserPoolType>>),
  };
  if (pool.autoVerifiedAttributes.length) view.AutoVerifiedAttributes = pool.autoVerifiedAttributes as UserPoolType["AutoVerifiedAttributes"];
  if (pool.usernameAttributes.length) view.UsernameAttributes = pool.usernameAttributes as UserPoolType["UsernameAttributes"];
  if (pool.aliasAttributes.length) view.AliasAttributes = pool.aliasAttributes as UserPoolType["AliasAttributes"];
  return view;
}

export function clientView(client: ClientRecord): Wire<UserPoolClientType> {
  const view: Wire<UserPoolClientType> = {
    UserPoolId: client.poolId,
    ClientName: client.name,
    ClientId: client.id,
    LastModifiedDate: epochSeconds(client.updatedAt),
    CreationDate: epochSeconds(client.createdAt),
    RefreshTokenValidity: client.refreshTokenValidity,
    AllowedOAuthFlowsUserPoolClient: false,
    PreventUserExistenceErrors: client.preventUserExistenceErrors,
    EnableTokenRevocation: client.enableTokenRevocation,
    EnablePropagateAdditionalUserContextData: false,
    AuthSessionValidity: client.authSessionValidity,
    ...(client.extra as Partial<Wire<UserPoolClientType>>),
  };
  if (client.secret) view.ClientSecret = client.secret;
  if (client.accessTokenValidity !== null) view.AccessTokenValidity = client.accessTokenValidity;
  if (client.idTokenValidity !== null) view.IdTokenValidity = client.idTokenValidity;
  if (client.tokenValidityUnits) view.TokenValidityUnits = client.tokenValidityUnits;
  if (client.explicitAuthFlows.length) view.ExplicitAuthFlows = client.explicitAuthFlows;
  if (client.refreshTokenRotation) {
    view.RefreshTokenRotation = {
      Feature: client.refreshTokenRotation.enabled ? "ENABLED" : "DISABLED",
      RetryGracePeriodSeconds: client.refreshTokenRotation.retryGracePeriodSeconds,
    };
  }
  return view;
}

export function userView(user: UserRecord, only?: string[]): Wire<UserType> {
  return {
    Username: user.username,
    Attributes: attributeList(user, only),
    UserCreateDate: epochSeconds(user.createdAt),
    UserLastModifiedDate: epochSeconds(user.updatedAt),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}
