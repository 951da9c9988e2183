import type { CreateUserPoolRequest, CreateUserPoolResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { poolView } from "../shared.js";
import type { PoolRecord } from "../store.js";
import { generatePoolKey } from "../tokens.js";
import type { CognitoAction } from "../types.js";

/** The settings CreateUserPool and UpdateUserPool share; omitted ones take AWS's defaults. */
export function poolSettings(input: Pick<CreateUserPoolRequest, "Policies" | "LambdaConfig" | "AutoVerifiedAttributes" | "MfaConfiguration" | "DeletionProtection" | "UserPoolTags" | "AccountRecoverySetting" | "UserPoolTier">) {
  const given = input.Policies?.PasswordPolicy ?? {};
  const passwordPolicy: PoolRecord["passwordPolicy"] = {
    MinimumLength: given.MinimumLength ?? 8,
    RequireUppercase: given.RequireUppercase ?? true,
    RequireLowercase: given.RequireLowercase ?? true,
    RequireNumbers: given.RequireNumbers ?? true,
    RequireSymbols: given.RequireSymbols ?? true,
    TemporaryPasswordValidityDays: given.TemporaryPasswordValidityDays ?? 7,
  };
  if (input.MfaConfiguration && input.MfaConfiguration !== "OFF") throw CognitoErrors.notImplemented(`MfaConfiguration ${input.MfaConfiguration}`);
  const extra: Record<string, unknown> = {};
  if (input.DeletionProtection) extra.DeletionProtection = input.DeletionProtection;
  if (input.UserPoolTags) extra.UserPoolTags = input.UserPoolTags;
  if (input.AccountRecoverySetting) extra.AccountRecoverySetting = input.AccountRecoverySetting;
  if (input.UserPoolTier) extra.UserPoolTier = input.UserPoolTier;
  return {
    passwordPolicy,
    lambdaConfig: input.LambdaConfig ?? {},
    autoVerifiedAttributes: (input.AutoVerifiedAttributes ?? []) as string[],
    extra,
  };
}

export const CreateUserPool: CognitoAction<CreateUserPoolRequest, CreateUserPoolResponse> = (svc) => (input, ctx) => {
  if (input.UsernameAttributes?.length && input.AliasAttributes?.length) {
    throw CognitoErrors.invalidParameter("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.");
  }
  const now = svc.core.clock.now();
  const id = svc.store.newPoolId(ctx.region);
  const customAttributes: PoolRecord["customAttributes"] = [];
  for (const attr of input.Schema ?? []) {
    const name = attr.Name!;
    if (name.startsWith("custom:") || !["sub", "email", "phone_number", "name", "given_name", "family_name", "email_verified"].includes(name)) {
      const full = name.startsWith("custom:") ? name : `custom:${name}`;
      customAttributes.push({ name: full, type: attr.AttributeDataType ?? "String", mutable: attr.Mutable ?? true });
    }
  }
  const pool: PoolRecord = {
    id,
    name: input.PoolName!,
    region: ctx.region,
    arn: `arn:aws:cognito-idp:${ctx.region}:${ctx.accountId}:userpool/${id}`,
    createdAt: now,
    updatedAt: now,
    usernameAttributes: (input.UsernameAttributes ?? []) as string[],
    aliasAttributes: (input.AliasAttributes ?? []) as string[],
    caseSensitive: input.UsernameConfiguration?.CaseSensitive ?? true,
    customAttributes,
    key: generatePoolKey(svc.core),
    ...poolSettings(input),
  };
  if (input.UsernameConfiguration) pool.extra.UsernameConfiguration = input.UsernameConfiguration;
  svc.store.putPool(pool);
  return { UserPool: poolView(pool, 0) };
};
