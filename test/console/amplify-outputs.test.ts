import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseAmplifyConfig } from "aws-amplify/utils";

/**
 * The web app against AWS: scripts/amplify-outputs.ts turns `aws cloudformation describe-stacks`
 * of the deployed template into amplify_outputs.json, which Amplify reads as its own outputs
 * file, with no local endpoint in it.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "amplify-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => execFileSync(process.execPath, ["--import", "tsx", "scripts/amplify-outputs.ts", ...args], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe("amplify_outputs.json for a stack deployed with sam deploy", () => {
  it("is written from the stack's CloudFormation outputs, for AWS's own endpoint", () => {
    // The shape `aws cloudformation describe-stacks` answers, with template.yaml's Outputs.
    const described = {
      Stacks: [
        {
          StackName: "face-login",
          Outputs: [
            { OutputKey: "Region", OutputValue: "eu-west-1" },
            { OutputKey: "UserPoolId", OutputValue: "eu-west-1_AbCdEf123" },
            { OutputKey: "UserPoolClientId", OutputValue: "1h57kf5cpq17m0eml12EXAMPLE" },
            { OutputKey: "DocumentsBucket", OutputValue: "face-login-documents-123456789012" },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "stack.json"), JSON.stringify(described));
    run("--describe-stacks", join(dir, "stack.json"), "--out", join(dir, "dist", "amplify_outputs.json"));
    const outputs = JSON.parse(readFileSync(join(dir, "dist", "amplify_outputs.json"), "utf8"));
    expect(outputs.auth).toMatchObject({ aws_region: "eu-west-1", user_pool_id: "eu-west-1_AbCdEf123", user_pool_client_id: "1h57kf5cpq17m0eml12EXAMPLE" });
    expect(outputs.custom).toBeUndefined();
    const config = parseAmplifyConfig(outputs);
    expect(config.Auth?.Cognito).toMatchObject({ userPoolId: "eu-west-1_AbCdEf123", userPoolClientId: "1h57kf5cpq17m0eml12EXAMPLE" });
    expect(config.Auth?.Cognito.userPoolEndpoint).toBeUndefined();
  });

  it("says which outputs are missing", () => {
    writeFileSync(join(dir, "bare.json"), JSON.stringify({ Stacks: [{ Outputs: [{ OutputKey: "Region", OutputValue: "us-east-1" }] }] }));
    expect(() => run("--describe-stacks", join(dir, "bare.json"), "--out", join(dir, "x.json"))).toThrow(/lack UserPoolId, UserPoolClientId/);
  });
});
