import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { existsSync, readFileSync } from "node:fs";
import type { MailMessage } from "../../server/cognito/mailbox.js";
import { sdkConfig } from "../support/clients.js";

export const ROLE = "arn:aws:iam::000000000000:role/cognito-triggers";

export function clients(endpoint: string) {
  const config = sdkConfig(endpoint);
  return { cognito: new CognitoIdentityProviderClient(config), lambda: new LambdaClient(config) };
}

/**
 * The test triggers, CommonJS as a zip deployment would carry them. Each appends the event it
 * received to $EVENT_LOG, so tests can assert the exact shapes Cognito sends.
 *
 * define: issues tokens after $ROUNDS correct answers, fails after 3 wrong ones, else asks
 *   a CUSTOM_CHALLENGE; $MODE throw | slow | malformed makes it misbehave.
 * create: the answer to round n is "answer-n"; hint and round are public.
 * verify: compares the answer with the private one.
 */
const RECORD = `const fs = require("node:fs");
const record = (e) => { if (process.env.EVENT_LOG) fs.appendFileSync(process.env.EVENT_LOG, JSON.stringify(e) + "\\n"); };`;

export const TRIGGER_SOURCES = {
  define: `${RECORD}
exports.handler = async (event) => {
  record(event);
  const mode = process.env.MODE;
  if (mode === "throw") throw new Error("boom");
  if (mode === "slow") await new Promise((r) => setTimeout(r, 8000));
  if (mode === "malformed") return "not an event";
  const rounds = Number(process.env.ROUNDS || 1);
  const session = event.request.session;
  const right = session.filter((s) => s.challengeResult).length;
  const wrong = session.filter((s) => !s.challengeResult).length;
  if (right >= rounds) { event.response.issueTokens = true; event.response.failAuthentication = false; }
  else if (wrong >= 3) { event.response.issueTokens = false; event.response.failAuthentication = true; }
  else { event.response.issueTokens = false; event.response.failAuthentication = false; event.response.challengeName = "CUSTOM_CHALLENGE"; }
  return event;
};`,
  create: `${RECORD}
exports.handler = async (event) => {
  record(event);
  const round = String(event.request.session.filter((s) => s.challengeResult).length + 1);
  event.response.publicChallengeParameters = { round, hint: "say answer-" + round };
  event.response.privateChallengeParameters = { answer: "answer-" + round };
  event.response.challengeMetadata = "ROUND_" + round;
  return event;
};`,
  verify: `${RECORD}
exports.handler = async (event) => {
  record(event);
  if (process.env.MODE === "malformed") { event.response.answerCorrect = "yes"; return event; }
  event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  return event;
};`,
  preSignUp: `${RECORD}
exports.handler = async (event) => {
  record(event);
  if (event.request.userAttributes.email && event.request.userAttributes.email.endsWith("@auto.example")) {
    event.response.autoConfirmUser = true;
    event.response.autoVerifyEmail = true;
  }
  if (event.request.userAttributes.email && event.request.userAttributes.email.endsWith("@blocked.example")) throw new Error("Sign-up is closed for blocked.example");
  return event;
};`,
  postConfirmation: `${RECORD}
exports.handler = async (event) => { record(event); return event; };`,
  preToken: `${RECORD}
exports.handler = async (event) => {
  record(event);
  event.response.claimsOverrideDetails = {
    claimsToAddOrOverride: { tenant: "acme", "custom:plan": "gold" },
    claimsToSuppress: ["phone_number"],
  };
  return event;
};`,
  preTokenV2: `${RECORD}
exports.handler = async (event) => {
  record(event);
  event.response.claimsAndScopeOverrideDetails = {
    idTokenGeneration: { claimsToAddOrOverride: { roles: ["admin", "viewer"] }, claimsToSuppress: ["name"] },
    accessTokenGeneration: { claimsToAddOrOverride: { tenant: "acme" }, scopesToAdd: ["faces/read"] },
  };
  return event;
};`,
} as const;

/** Deploys one trigger through the Lambda API, exactly as a user would; returns its ARN. */
export async function deployTrigger(
  lambda: LambdaClient,
  name: string,
  source: string,
  env: Record<string, string> = {},
  timeout = 10,
): Promise<string> {
  const out = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs20.x",
      Role: ROLE,
      Handler: "index.handler",
      Timeout: timeout,
      Environment: { Variables: env },
      Code: { ZipFile: zipSync({ "index.js": strToU8(source) }) },
    }),
  );
  return out.FunctionArn!;
}

/** The events the triggers recorded, oldest first. */
export function recordedEvents(path: string): any[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

export async function mailbox(endpoint: string, address?: string): Promise<MailMessage[]> {
  const url = new URL("/_rekognito/mailbox", endpoint);
  if (address) url.searchParams.set("address", address);
  const res = await fetch(url);
  return (await res.json()) as MailMessage[];
}
