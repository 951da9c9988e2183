import {
  AdminCreateUserCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  InvalidParameterException,
  ListUserPoolsCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../server/stack.js";
import { clients, deployTrigger, TRIGGER_SOURCES } from "./helpers.js";

/**
 * What a trigger changes during a sign-in is in the tokens of that sign-in, and a sign-up
 * without a password gets Cognito's error, not a fault.
 */
let stack: Stack;
let cognito: CognitoIdentityProviderClient;
let lambda: LambdaClient;
let poolId: string;
let clientId: string;
const EMAIL = "flow-state@example.com";

// Verify marks the email verified through the Admin API, as the face-login app's Verify does.
const VERIFY_AND_MARK = `const { CognitoIdentityProviderClient, AdminUpdateUserAttributesCommand } = require("@aws-sdk/client-cognito-identity-provider");
const cognito = new CognitoIdentityProviderClient({});
exports.handler = async (event) => {
  event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  if (event.response.answerCorrect) {
    await cognito.send(new AdminUpdateUserAttributesCommand({
      UserPoolId: event.userPoolId, Username: event.userName,
      UserAttributes: [{ Name: "email_verified", Value: "true" }],
    }));
  }
  return event;
};`;

beforeAll(async () => {
  stack = await startStack();
  ({ cognito, lambda } = clients(stack.endpoint));
  const arn = (name: string, source: string) => deployTrigger(lambda, `flow-state-${name}`, source);
  const pool = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: "flow-state",
      UsernameAttributes: ["email"],
      LambdaConfig: {
        DefineAuthChallenge: await arn("define", TRIGGER_SOURCES.define),
        CreateAuthChallenge: await arn("create", TRIGGER_SOURCES.create),
        VerifyAuthChallengeResponse: await arn("verify", VERIFY_AND_MARK),
      },
    }),
  );
  poolId = pool.UserPool!.Id!;
  const client = await cognito.send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "flow-state", ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
  );
  clientId = client.UserPoolClient!.ClientId!;
  await cognito.send(
    new AdminCreateUserCommand({ UserPoolId: poolId, Username: EMAIL, UserAttributes: [{ Name: "email_verified", Value: "false" }], MessageAction: "SUPPRESS" }),
  );
});
afterAll(() => stack?.close());

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("the user as the triggers left it", () => {
  it("puts an attribute Verify changed into the tokens of the same sign-in", async () => {
    const started = await cognito.send(new InitiateAuthCommand({ AuthFlow: "CUSTOM_AUTH", ClientId: clientId, AuthParameters: { USERNAME: EMAIL } }));
    const done = await cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: started.Session,
        ChallengeResponses: { USERNAME: started.ChallengeParameters!.USERNAME!, ANSWER: "answer-1" },
      }),
    );
    expect(claims(done.AuthenticationResult!.IdToken!)).toMatchObject({ email: EMAIL, email_verified: true });
  });
});

describe("SignUp", () => {
  it("refuses a sign-up without a password with InvalidParameterException, and stays up", async () => {
    const error = await cognito.send(new SignUpCommand({ ClientId: clientId, Username: "no-password@example.com" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toMatch(/password is required/i);
    expect((await cognito.send(new ListUserPoolsCommand({ MaxResults: 5 }))).UserPools?.length).toBeGreaterThan(0);
  });
});

describe("ListUsers", () => {
  it("refuses a pagination token it never handed out", async () => {
    const { ListUsersCommand } = await import("@aws-sdk/client-cognito-identity-provider");
    for (const token of ["!!!", "bm90LWEtbnVtYmVy", "MQ=="]) {
      const error = await cognito.send(new ListUsersCommand({ UserPoolId: poolId, PaginationToken: token })).catch((e: unknown) => e);
      expect(error, token).toBeInstanceOf(InvalidParameterException);
    }
  });
});

describe("signing keys", () => {
  it("come from the injected key generator, like the clock and the ids", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    let asked = 0;
    const own = await startStack({
      keys: {
        rsa: async () => {
          asked++;
          return pair;
        },
      },
    });
    try {
      const { cognito: idp } = clients(own.endpoint);
      const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: "injected-key" }))).UserPool!.Id!;
      const jwks = (await (await fetch(`${own.endpoint}/${pool}/.well-known/jwks.json`)).json()) as { keys: { n: string }[] };
      expect(asked).toBe(1);
      expect(jwks.keys.map((k) => k.n)).toEqual([(pair.publicKey.export({ format: "jwk" }) as { n: string }).n]);
    } finally {
      await own.close();
    }
  });
});
