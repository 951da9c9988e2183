import type {
  AttributeType,
  SchemaAttributeType,
  UserPoolClientType,
  UserPoolType,
  UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "./errors.js";
import type { ClientRecord, CognitoStore, PoolRecord, UserRecord } from "./store.js";
import { epochSeconds, type StringMap, type Wire } from "./types.js";

// --- lookups with AWS's errors ---

export function requirePool(store: CognitoStore, poolId: string): PoolRecord {
  const pool = store.pool(poolId);
  if (!pool) throw CognitoErrors.poolNotFound(poolId);
  return pool;
}

export function requireClient(store: CognitoStore, clientId: string, poolId?: string): { pool: PoolRecord; client: ClientRecord } {
  const client = store.client(clientId);
  if (!client || (poolId && client.poolId !== poolId)) throw CognitoErrors.clientNotFound(clientId);
  const pool = store.pool(client.poolId);
  if (!pool) throw CognitoErrors.clientNotFound(clientId);
  return { pool, client };
}

/** Admin actions name a user by user name or alias; unknown → UserNotFoundException. */
export function requireUser(store: CognitoStore, pool: PoolRecord, username: string): UserRecord {
  const user = store.findUser(pool, username);
  if (!user) throw CognitoErrors.userNotFound();
  return user;
}

// --- standard attributes ---

export const STANDARD_ATTRIBUTES = [
  "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
  "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
  "phone_number_verified", "address", "updated_at",
] as const;

function standardSchema(): SchemaAttributeType[] {
  return STANDARD_ATTRIBUTES.map((name): SchemaAttributeType => {
    if (name === "email_verified" || name === "phone_number_verified")
      return { Name: name, AttributeDataType: "Boolean", DeveloperOnlyAttribute: false, Mutable: true, Required: false };
    if (name === "updated_at")
      return { Name: name, AttributeDataType: "Number", DeveloperOnlyAttribute: false, Mutable: true, Required: false, NumberAttributeConstraints: { MinValue: "0" } };
    return {
      Name: name,
      AttributeDataType: "String",
      DeveloperOnlyAttribute: false,
      Mutable: name !== "sub",
      Required: name === "sub",
      StringAttributeConstraints: { MinLength: name === "sub" ? "1" : "0", MaxLength: "2048" },
    };
  });
}

/** Attributes given by a caller, checked against the pool's schema as AWS words it. */
export function checkAttributes(pool: PoolRecord, attributes: AttributeType[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributes ?? []) {
    const name = a.Name!;
    const known = (STANDARD_ATTRIBUTES as readonly string[]).includes(name) || pool.customAttributes.some((c) => c.name === name);
    if (!known) throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.\n`);
    if (name === "sub") throw CognitoErrors.invalidParameter("Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)");
    out[name] = a.Value ?? "";
  }
  return out;
}

/** The schema's Required standard attributes must be there (AWS's wording). */
export function checkRequired(pool: PoolRecord, attributes: Record<string, string>): void {
  for (const name of pool.requiredAttributes ?? []) {
    if (!attributes[name]) throw CognitoErrors.invalidParameter(`Attributes did not conform to the schema: ${name}: The attribute is required`);
  }
}

// --- views in AWS's shapes ---

export function poolView(pool: PoolRecord, userCount: number): Wire<UserPoolType> {
  const view: Wire<UserPoolType> = {
    Id: pool.id,
    Name: pool.name,
    Policies: { PasswordPolicy: pool.passwordPolicy },
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
    MfaConfiguration: "OFF",
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
  return view;
}

export function attributeList(user: UserRecord, only?: string[]): AttributeType[] {
  const all: AttributeType[] = [{ Name: "sub", Value: user.sub }, ...Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value }))];
  return only ? all.filter((a) => only.includes(a.Name!)) : all;
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

/** How AWS shows where a code went: "a***@e***". */
export function maskEmail(address: string): string {
  const [local = "", domain = ""] = address.split("@");
  return `${local.charAt(0)}***@${domain.charAt(0)}***`;
}

/** A pool's user-facing trigger metadata argument: AWS passes ClientMetadata only when given. */
export function metadata(value: Record<string, string> | undefined): StringMap | undefined {
  return value && Object.keys(value).length ? value : undefined;
}

export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}
