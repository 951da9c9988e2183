import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { randomPassword } from "../../server/face-login/face-login-client.js";
import { freePort } from "../support/net.js";
import { s3Config, sdkConfig } from "../support/clients.js";

/**
 * `npm start` as a developer reads it, through a pipe (no terminal: no colour): provisioning in
 * one line, the banner last before the request lines, one line per request with its AWS error
 * type, expected lookups not marked as failures, a mail line that says its code once.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let server: ChildProcess;

function withoutColorSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, NO_COLOR: _no, ...rest } = env;
  return rest;
}
let output = "";
let endpoint: string;

beforeAll(async () => {
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", "--ephemeral", "--port", String(port)], {
    cwd: ROOT,
    env: { ...withoutColorSettings(process.env), REKOGNITO_TEST_ENDPOINT: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (d) => (output += d));
  server.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes("Ctrl-C stops.")) {
        clearTimeout(timer);
        resolve();
      } else setTimeout(check, 20);
    };
    server.once("exit", (code) => reject(new Error(`exited ${code}:\n${output}`)));
    check();
  });
}, 90_000);

afterAll(() => {
  server?.kill("SIGTERM");
});

/** Waits until the log has a line matching `pattern` (the server writes it once it answered). */
async function line(pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const found = output.split("\n").find((l) => pattern.test(l));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no line matching ${pattern} in:\n${output}`);
}

describe("the dev server's terminal output", () => {
  it("summarises provisioning in one line and ends with the banner: endpoint, app, console, the lines to paste", () => {
    const lines = output.split("\n");
    // Nothing but the summary before the banner: no request lines, no 503s of health.
    const bannerAt = lines.findIndex((l) => /rekognito \S+ ready in \d+ ms/.test(l));
    expect(bannerAt).toBeGreaterThan(0);
    expect(lines.slice(0, bannerAt).filter((l) => l.trim())).toEqual([expect.stringMatching(/face-login app provisioned from template\.yaml: a user pool, an app client, 2 buckets/)]);
    const banner = lines.slice(bannerAt).join("\n");
    expect(banner).toContain(`app        ${endpoint}/`);
    expect(banner).toContain(`console    ${endpoint}/_rekognito/`);
    expect(banner).toContain(`${endpoint}/_rekognito/health`);
    expect(banner).toContain(`export AWS_ENDPOINT_URL=${endpoint}`);
    // Through a pipe: no colour.
    expect(output).not.toContain("\u001b[");
  });

  it("prints one line per request with its AWS error type; an expected lookup reads as an answer, not a failure", async () => {
    const s3 = new S3Client(s3Config(endpoint));
    await expect(s3.send(new HeadBucketCommand({ Bucket: "no-such-bucket-here" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(await line(/^s3 +HeadBucket +404 /)).toMatch(/^s3 +HeadBucket +404 +[\d.]+ms NoSuchBucket$/);

    const health = (await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { resources: { userPoolClientId: string } };
    const cognito = new CognitoIdentityProviderClient(sdkConfig(endpoint));
    await expect(cognito.send(new InitiateAuthCommand({ ClientId: health.resources.userPoolClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "x@example.com", PASSWORD: "y" } }))).rejects.toThrow();
    expect(await line(/^cognito-idp +InitiateAuth +400 /)).toMatch(/InvalidParameterException|NotAuthorizedException|UserNotFoundException$/);
  });

  it("says a mailed code once", async () => {
    const health = (await (await fetch(`${endpoint}/_rekognito/health`)).json()) as { resources: { userPoolClientId: string } };
    const cognito = new CognitoIdentityProviderClient(sdkConfig(endpoint));
    const email = "terminal.reader@example.com";
    await cognito.send(new SignUpCommand({ ClientId: health.resources.userPoolClientId, Username: email, Password: randomPassword(), UserAttributes: [{ Name: "email", Value: email }] }));
    await cognito.send(new InitiateAuthCommand({ ClientId: health.resources.userPoolClientId, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: email } }));
    const mail = await line(new RegExp(`^mail to ${email}: `));
    const code = /(\d{6})/.exec(mail)![1]!;
    expect(mail.split(code).length - 1).toBe(1);
  });

  it("documents the output options in --help", () => {
    const help = execFileSync(process.execPath, ["--import", "tsx", "server/cli.ts", "--help"], { cwd: ROOT, encoding: "utf8" });
    for (const option of ["--verbose", "--quiet", "--log-level", "NO_COLOR"]) expect(help).toContain(option);
  });
});
