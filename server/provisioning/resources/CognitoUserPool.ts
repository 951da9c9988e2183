import { errorName, generatedName, type ResourceHandler } from "./types.js";

/**
 * AWS::Cognito::UserPool: found again by the id an earlier start recorded (or by name), its
 * settings updated (its triggers, policies, MFA); otherwise created with its schema and username
 * settings, which AWS does not let an update change.
 */
export const CognitoUserPool: ResourceHandler = async (ctx, id, resource, properties) => {
  const { client } = ctx;
  const { UserPoolName, UserPoolTags, ...p } = properties;
  const name: string = UserPoolName ?? generatedName(ctx.stackName, id, resource.Type);
  let poolId: string | undefined;
  const record = ctx.known(id);
  const known = record?.physicalId;
  if (known) {
    try {
      await client.json("cognito-idp", "DescribeUserPool", { UserPoolId: known });
      poolId = known;
    } catch (error) {
      if (errorName(error) !== "ResourceNotFoundException") throw error;
    }
  }
  // Found as an earlier start left it, from the same properties: no update.
  if (poolId && record?.attributes && ctx.unchanged(id, properties)) return { physicalId: poolId, attributes: record.attributes, kept: true };
  if (!poolId) {
    let token: string | undefined;
    do {
      const page = await client.json<{ UserPools?: { Id?: string; Name?: string }[]; NextToken?: string }>("cognito-idp", "ListUserPools", { MaxResults: 60, ...(token ? { NextToken: token } : {}) });
      poolId = page.UserPools?.find((pool) => pool.Name === name)?.Id;
      token = page.NextToken;
    } while (!poolId && token);
  }
  const settings = defined({
    LambdaConfig: p.LambdaConfig,
    Policies: p.Policies,
    AdminCreateUserConfig: p.AdminCreateUserConfig,
    AccountRecoverySetting: p.AccountRecoverySetting,
    AutoVerifiedAttributes: p.AutoVerifiedAttributes,
    MfaConfiguration: p.MfaConfiguration,
    DeletionProtection: p.DeletionProtection,
  });
  if (poolId) {
    await client.json("cognito-idp", "UpdateUserPool", { UserPoolId: poolId, ...settings });
  } else {
    const created = await client.json<{ UserPool: { Id: string } }>(
      "cognito-idp",
      "CreateUserPool",
      defined({
        PoolName: name,
        ...settings,
        UsernameAttributes: p.UsernameAttributes,
        AliasAttributes: p.AliasAttributes,
        UsernameConfiguration: p.UsernameConfiguration,
        Schema: p.Schema,
        UserPoolTags,
      }),
    );
    poolId = created.UserPool.Id;
  }
  const described = await client.json<{ UserPool?: { Arn?: string } }>("cognito-idp", "DescribeUserPool", { UserPoolId: poolId });
  const arn = described.UserPool?.Arn ?? `arn:aws:cognito-idp:${ctx.region}:${ctx.accountId}:userpool/${poolId}`;
  return {
    physicalId: poolId,
    attributes: { Arn: arn, ProviderName: `cognito-idp.${ctx.region}.amazonaws.com/${poolId}`, ProviderURL: `https://cognito-idp.${ctx.region}.amazonaws.com/${poolId}`, UserPoolId: poolId },
  };
};

/** The members that are set (the SDK leaves undefined ones out of the request; so do we). */
export function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
