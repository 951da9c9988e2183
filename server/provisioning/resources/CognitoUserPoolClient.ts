import { defined } from "./CognitoUserPool.js";
import { errorName, generatedName, type ResourceHandler } from "./types.js";

/** AWS::Cognito::UserPoolClient: found again by the id an earlier start recorded (in the same pool) and updated, or created. */
export const CognitoUserPoolClient: ResourceHandler = async (ctx, id, resource, properties) => {
  const { client } = ctx;
  const { UserPoolId, GenerateSecret, ...p } = properties;
  let clientId: string | undefined;
  const known = ctx.known(id);
  if (known && known.attributes?.UserPoolId === UserPoolId) {
    try {
      await client.json("cognito-idp", "DescribeUserPoolClient", { UserPoolId, ClientId: known.physicalId });
      clientId = known.physicalId;
    } catch (error) {
      if (errorName(error) !== "ResourceNotFoundException") throw error;
    }
  }
  // Found as an earlier start left it, from the same properties: no update.
  if (clientId && ctx.unchanged(id, properties)) return { physicalId: clientId, attributes: { UserPoolId, ClientId: clientId }, kept: true };
  const numbers = (value: unknown) => (value === undefined ? undefined : Number(value));
  const settings = defined({
    ...p,
    ClientName: p.ClientName ?? generatedName(ctx.stackName, id, resource.Type),
    AuthSessionValidity: numbers(p.AuthSessionValidity),
    AccessTokenValidity: numbers(p.AccessTokenValidity),
    IdTokenValidity: numbers(p.IdTokenValidity),
    RefreshTokenValidity: numbers(p.RefreshTokenValidity),
  });
  if (clientId) {
    await client.json("cognito-idp", "UpdateUserPoolClient", { UserPoolId, ClientId: clientId, ...settings });
  } else {
    const created = await client.json<{ UserPoolClient: { ClientId: string } }>("cognito-idp", "CreateUserPoolClient", {
      UserPoolId,
      GenerateSecret: GenerateSecret === true || GenerateSecret === "true",
      ...settings,
    });
    clientId = created.UserPoolClient.ClientId;
  }
  return { physicalId: clientId, attributes: { UserPoolId, ClientId: clientId } };
};
