import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetBucketPolicyCommand, DeleteBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { DeleteFunctionCommand, GetFunctionConfigurationCommand, GetPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CognitoIdentityProviderClient, DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { listenStack, type Stack } from "../../server/stack.js";
import { MemoryLogger } from "../../server/core/logger.js";
import { provisionTemplate, type FaceLoginResources } from "../../server/provisioning/provision.js";
import { sdkConfig } from "../support/clients.js";
import { loggedActions as actions } from "../support/request-log.js";

// A restart on the same data directory provisions template.yaml again as CloudFormation updates
// a stack whose template did not change: every resource is checked, none is updated; one that is
// gone is made again (and what refers to it is updated); a changed property is applied.


const CHECKS = /\s(HeadBucket|DescribeTable|GetFunctionConfiguration|DescribeUserPool|DescribeUserPoolClient)$/;

describe("provisioning again on the same data directory", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rekognito-provision-restart-"));
  const logger = new MemoryLogger();
  let stack: Stack;
  let first: FaceLoginResources;
  const restart = async () => {
    await stack.close();
    stack = await listenStack({ dataDir, logger, port: 0 });
  };
  const config = () => sdkConfig(stack.endpoint, { region: stack.region });

  beforeAll(async () => {
    stack = await listenStack({ dataDir, logger, port: 0 });
    first = await provisionTemplate(stack);
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("checks every resource and updates none when nothing changed", async () => {
    await restart();
    const from = logger.lines.length;
    expect(await provisionTemplate(stack)).toEqual(first);
    const sent = actions(logger, from);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((a) => !CHECKS.test(a))).toEqual([]);
    // Still as the template says: the policy, the triggers.
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: first.documentsBucket }))).Policy).toContain("aws:SecureTransport");
  });

  it("makes a function that is gone again, and updates what refers to it", async () => {
    const lambda = new LambdaClient(config());
    await lambda.send(new DeleteFunctionCommand({ FunctionName: "face-login-define-auth-challenge" }));
    await restart();
    const from = logger.lines.length;
    await provisionTemplate(stack);
    const sent = actions(logger, from);
    expect(sent).toContain("lambda CreateFunction");
    expect(sent).toContain("cognito-idp UpdateUserPool");
    const again = new LambdaClient(config());
    expect((await again.send(new GetFunctionConfigurationCommand({ FunctionName: "face-login-define-auth-challenge" }))).State).toBe("Active");
    expect((await again.send(new GetPolicyCommand({ FunctionName: "face-login-define-auth-challenge" }))).Policy).toContain("cognito-idp.amazonaws.com");
    const cognito = new CognitoIdentityProviderClient(config());
    const pool = (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: first.userPoolId }))).UserPool!;
    expect(pool.LambdaConfig?.DefineAuthChallenge).toMatch(/:function:face-login-define-auth-challenge$/);
    // The other functions were found as they were.
    expect(sent.filter((a) => a === "lambda UpdateFunctionConfiguration")).toEqual([]);
  });

  it("applies a changed property, and only to what it changes", async () => {
    await restart();
    const from = logger.lines.length;
    await provisionTemplate(stack, { parameters: { MatchThreshold: "95" } });
    const sent = actions(logger, from);
    expect(sent.filter((a) => a === "lambda UpdateFunctionConfiguration")).toHaveLength(1);
    const lambda = new LambdaClient(config());
    const verify = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "face-login-verify-auth-challenge" }));
    expect(verify.Environment?.Variables?.MATCH_THRESHOLD).toBe("95");
  });

  it("leaves a bucket policy deleted by hand deleted, as CloudFormation leaves drift, until the template changes it", async () => {
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: first.signInBucket }));
    await restart();
    await provisionTemplate(stack, { parameters: { MatchThreshold: "95" } });
    const again = new S3Client({ ...config(), forcePathStyle: true });
    await expect(again.send(new GetBucketPolicyCommand({ Bucket: first.signInBucket }))).rejects.toMatchObject({ name: "NoSuchBucketPolicy" });
  });
});
