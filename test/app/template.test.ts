import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readTemplate, creationOrder } from "../../server/provisioning/template.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("template.yaml", () => {
  it("passes the SAM translator and cfn-lint where Python has them (skipped with the reason printed)", () => {
    const python = spawnSync("python3", ["scripts/check-template.py"], { cwd: root, encoding: "utf8" });
    if (python.error) {
      console.log(`SKIP template check: python3 is not available (${python.error.message})`);
      return;
    }
    const output = `${python.stdout}${python.stderr}`;
    for (const line of output.split("\n").filter((l) => l.startsWith("SKIP"))) console.log(line);
    expect(python.status, output).toBe(0);
    expect(output).not.toMatch(/^FAIL/m);
  });

  it("declares what the app needs, with the settings its security relies on", () => {
    const template = readTemplate(`${root}template.yaml`);
    const r = template.Resources;
    const client = r.UserPoolClient!.Properties!;
    expect(client.ExplicitAuthFlows).toEqual(["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    expect(client.PreventUserExistenceErrors).toBe("ENABLED");
    expect(client.AuthSessionValidity).toBe(3);
    expect(client.GenerateSecret).toBe(false);
    expect(Object.keys(r.UserPool!.Properties!.LambdaConfig as object).sort()).toEqual(["CreateAuthChallenge", "DefineAuthChallenge", "PreSignUp", "VerifyAuthChallengeResponse"]);
    expect(r.UserPool!.Properties!.UsernameAttributes).toEqual(["email"]);
    for (const bucket of ["DocumentsBucket", "SignInBucket"]) {
      const p = r[bucket]!.Properties!;
      expect(p.BucketEncryption).toBeDefined();
      expect(p.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    }
    expect(JSON.stringify(r.SignInBucket!.Properties!.LifecycleConfiguration)).toContain("ExpirationInDays");
    expect(r.FacesTable!.Properties!.GlobalSecondaryIndexes).toMatchObject([{ IndexName: "by-email", KeySchema: [{ AttributeName: "email", KeyType: "HASH" }] }]);
    // Nothing in lambdas/ may name the emulator: the code is the same on AWS.
    const grep = spawnSync("grep", ["-rniE", "rekognito|localhost|127\\.0\\.0\\.1|4566", "lambdas", "--include=index.ts"], { cwd: root, encoding: "utf8" });
    expect(grep.stdout).toBe("");
    expect(creationOrder(template).indexOf("UserPool")).toBeGreaterThan(creationOrder(template).indexOf("VerifyAuthChallengeFunction"));
  });
});
