import type { CreateUserPoolRequest, CreateUserPoolResponse } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import { isStandardAttribute } from "../attributes.js";
import { CognitoErrors } from "../errors.js";
import type { CognitoServices } from "../services.js";
import type { PoolRecord } from "../store.js";
import { generatePoolKey } from "../tokens/signer.js";
import { poolView } from "../views.js";
import type { Wire } from "../wire.js";

/** Settings DescribeUserPool echoes back as they were given. */
const ECHOED = [
  "DeletionProtection", "UserPoolTags", "AccountRecoverySetting", "UserPoolTier", "AdminCreateUserConfig", "VerificationMessageTemplate",
  "EmailConfiguration", "UserAttributeUpdateSettings", "EmailVerificationMessage", "EmailVerificationSubject", "DeviceConfiguration",
] as const;

/** The first sign-in factors a pool may allow (WEB_AUTHN and SMS_OTP are not modelled). */
const FIRST_FACTORS = ["PASSWORD", "EMAIL_OTP"];

/**
 * The settings CreateUserPool and UpdateUserPool share; omitted ones take AWS's defaults. The MFA
 * factors SetUserPoolMfaConfig enabled stay as they were (`previous`).
 */
export function poolSettings(
  input: Pick<CreateUserPoolRequest, "Policies" | "LambdaConfig" | "AutoVerifiedAttributes" | "MfaConfiguration" | (typeof ECHOED)[number]>,
  previous?: PoolRecord,
) {
  const given = input.Policies?.PasswordPolicy ?? {};
  const passwordPolicy: PoolRecord["passwordPolicy"] = {
    MinimumLength: given.MinimumLength ?? 8,
    RequireUppercase: given.RequireUppercase ?? true,
    RequireLowercase: given.RequireLowercase ?? true,
    RequireNumbers: given.RequireNumbers ?? true,
    RequireSymbols: given.RequireSymbols ?? true,
    TemporaryPasswordValidityDays: given.TemporaryPasswordValidityDays ?? 7,
  };
  const factors = input.Policies?.SignInPolicy?.AllowedFirstAuthFactors ?? ["PASSWORD"];
  for (const factor of factors) {
    if (!FIRST_FACTORS.includes(factor)) throw CognitoErrors.notImplemented(`The ${factor} sign-in factor`);
  }
  if (!factors.includes("PASSWORD")) throw CognitoErrors.invalidParameter("AllowedFirstAuthFactors must include PASSWORD.");
  const extra: Record<string, unknown> = {};
  for (const key of ECHOED) if (input[key] !== undefined) extra[key] = input[key];
  const version = input.LambdaConfig?.PreTokenGenerationConfig?.LambdaVersion;
  if (version && version !== "V1_0" && version !== "V2_0" && version !== "V3_0") throw CognitoErrors.notImplemented(`PreTokenGenerationConfig LambdaVersion ${version}`);
  return {
    passwordPolicy,
    lambdaConfig: input.LambdaConfig ?? {},
    autoVerifiedAttributes: (input.AutoVerifiedAttributes ?? []) as string[],
    extra,
    firstAuthFactors: [...new Set(factors as string[])],
    mfa: {
      configuration: input.MfaConfiguration ?? "OFF",
      softwareToken: previous?.mfa?.softwareToken ?? false,
      email: previous?.mfa?.email ?? null,
    } satisfies PoolRecord["mfa"],
  };
}

export const CreateUserPool =
  ({ store, clock, ids, keys }: Pick<CognitoServices, "store" | "clock" | "ids" | "keys">) =>
  async (input: CreateUserPoolRequest, ctx: RequestContext): Promise<Wire<CreateUserPoolResponse>> => {
    if (input.UsernameAttributes?.length && input.AliasAttributes?.length) {
      throw CognitoErrors.invalidParameter("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.");
    }
    const now = clock.now();
    const id = store.newPoolId(ctx.region);
    const customAttributes: PoolRecord["customAttributes"] = [];
    const requiredAttributes: string[] = [];
    for (const [i, attr] of (input.Schema ?? []).entries()) {
      // The model leaves Name optional, but an attribute without one is no attribute.
      if (typeof attr.Name !== "string") {
        throw CognitoErrors.invalidParameter(`1 validation error detected: Value null at 'schema.${i + 1}.member.name' failed to satisfy constraint: Member must not be null`);
      }
      const name = attr.Name;
      if (isStandardAttribute(name)) {
        if (attr.Required && name !== "sub") requiredAttributes.push(name);
        continue;
      }
      if (attr.Required) throw CognitoErrors.invalidParameter(`Required custom attributes are not supported currently.`);
      const full = name.startsWith("custom:") ? name : `custom:${name}`;
      customAttributes.push({ name: full, type: attr.AttributeDataType ?? "String", mutable: attr.Mutable ?? true });
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
      requiredAttributes,
      customAttributes,
      key: await generatePoolKey({ keys, ids }),
      ...poolSettings(input),
    };
    if (input.UsernameConfiguration) pool.extra.UsernameConfiguration = input.UsernameConfiguration;
    store.putPool(pool);
    return { UserPool: poolView(pool, 0) };
  };
