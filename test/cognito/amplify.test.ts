import { AdminCreateUserCommand, CreateUserPoolClientCommand, CreateUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, getCurrentUser, signIn, signOut } from "aws-amplify/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runId, testTarget, type TestTarget } from "../support/target.js";
import { clients, deployTrigger, TRIGGER_SOURCES } from "./helpers.js";

/**
 * Amplify JS v6, unmodified, signs in through the custom flow with userPoolEndpoint pointing at
 * the stack (in-process, or the one REKOGNITO_TEST_ENDPOINT names: names carry the run id).
 */
let target: TestTarget;
let poolId: string;
let clientId: string;

beforeAll(async () => {
  target = await testTarget();
  const { cognito, lambda } = clients(target.endpoint);
  const [define, create, verify] = await Promise.all([
    deployTrigger(lambda, `define-${runId}`, TRIGGER_SOURCES.define),
    deployTrigger(lambda, `create-${runId}`, TRIGGER_SOURCES.create),
    deployTrigger(lambda, `verify-${runId}`, TRIGGER_SOURCES.verify),
  ]);
  const pool = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: `amplify-${runId}`,
      UsernameAttributes: ["email"],
      LambdaConfig: { DefineAuthChallenge: define, CreateAuthChallenge: create, VerifyAuthChallengeResponse: verify },
    }),
  );
  poolId = pool.UserPool!.Id!;
  const client = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: "amplify",
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      PreventUserExistenceErrors: "ENABLED",
    }),
  );
  clientId = client.UserPoolClient!.ClientId!;
  await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "hedy@example.com", MessageAction: "SUPPRESS" }));
  Amplify.configure({ Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: target.endpoint } } });
});

afterAll(async () => {
  await target?.close();
});

describe("Amplify JS v6", () => {
  it("signIn with CUSTOM_WITHOUT_SRP, a wrong then a right confirmSignIn, a session, signOut", async () => {
    const started = await signIn({ username: "hedy@example.com", options: { authFlowType: "CUSTOM_WITHOUT_SRP" } });
    expect(started.isSignedIn).toBe(false);
    expect(started.nextStep.signInStep).toBe("CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE");
    const info = (started.nextStep as { additionalInfo?: Record<string, string> }).additionalInfo;
    expect(info).toMatchObject({ round: "1", hint: "say answer-1" });

    const wrong = await confirmSignIn({ challengeResponse: "nope" });
    expect(wrong.nextStep.signInStep).toBe("CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE");

    const done = await confirmSignIn({ challengeResponse: "answer-1" });
    expect(done.isSignedIn).toBe(true);
    expect(done.nextStep.signInStep).toBe("DONE");

    const session = await fetchAuthSession();
    expect(session.tokens?.idToken?.payload).toMatchObject({ email: "hedy@example.com", aud: clientId, iss: `${target.endpoint}/${poolId}` });
    expect(session.tokens?.accessToken.payload.token_use).toBe("access");
    const user = await getCurrentUser();
    expect(user.signInDetails?.loginId).toBe("hedy@example.com");

    // forceRefresh goes through the refresh token.
    const refreshed = await fetchAuthSession({ forceRefresh: true });
    expect(refreshed.tokens?.accessToken.payload.origin_jti).toBe(session.tokens?.accessToken.payload.origin_jti);

    await signOut({ global: true });
    expect((await fetchAuthSession()).tokens).toBeUndefined();
  });

  it("an unknown user gets a real-looking challenge, then 'Incorrect username or password.'", async () => {
    const started = await signIn({ username: "ghost@example.com", options: { authFlowType: "CUSTOM_WITHOUT_SRP" } });
    expect(started.nextStep.signInStep).toBe("CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE");
    await expect(confirmSignIn({ challengeResponse: "answer-1" })).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
  });
});
