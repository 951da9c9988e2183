import { randomInt, randomUUID } from "node:crypto";
import type { CreateAuthChallengeTriggerEvent, CreateAuthChallengeTriggerHandler } from "aws-lambda";
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";

/**
 * Create Auth Challenge: chooses the step of this round and what the client needs for it.
 *
 * - ENROLL (the user has no confirmed face, or its item says reenrol): a 6-digit code is mailed to the address, and the
 *   client gets a presigned PUT into the documents bucket at documents/<sub>/<challengeId>, a key
 *   chosen here from the user's `sub`. The key is recorded in the faces table as the only upload
 *   Index Faces will accept for this user.
 * - FACE (the user has a confirmed face): a presigned PUT into the sign-in bucket at a fresh key
 *   for this challenge. Verify accepts exactly that key.
 *
 * Public parameters hold only what the client needs: step, uploadUrl, uploadKey, attemptsLeft and
 * lastError. The code, the face id and the `sub`-bound bookkeeping stay private.
 *
 * An unknown user (userNotFound, the app client prevents user-existence errors) gets a FACE round
 * shaped exactly as a real one, so the answer does not tell whether the address is registered.
 *
 * Codes mailed are limited per user: at most MAX_CODES_PER_HOUR in an hour counted from the
 * first (codesSent and codesWindowStart on the user's item, counted with conditional updates, so
 * concurrent sign-ins cannot overshoot). Past the limit the round is still ENROLL, shaped as
 * usual, but nothing is mailed, no code exists (no answer can succeed), the pending upload is
 * left as it was (the newest code mailed still works in its own sign-in), and lastError says so.
 * Anyone who knows a registered address could otherwise flood that inbox by starting sign-ins.
 *
 * Configured only by the environment: DOCUMENTS_BUCKET, SIGN_IN_BUCKET, FACES_TABLE,
 * CHALLENGES_TABLE, SENDER_EMAIL, UPLOAD_URL_TTL_SECONDS (default 180), MAX_WRONG_ANSWERS
 * (default 3), MAX_CODES_PER_HOUR (default 5).
 */

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`create-auth-challenge: environment variable ${name} is not set`);
  return value;
}

const config = {
  documentsBucket: env("DOCUMENTS_BUCKET"),
  signInBucket: env("SIGN_IN_BUCKET"),
  facesTable: env("FACES_TABLE"),
  challengesTable: env("CHALLENGES_TABLE"),
  sender: env("SENDER_EMAIL"),
  uploadTtlSeconds: Number(env("UPLOAD_URL_TTL_SECONDS", "180")),
  maxWrongAnswers: Number(env("MAX_WRONG_ANSWERS", "3")),
  maxCodesPerHour: Number(env("MAX_CODES_PER_HOUR", "5")),
};

const CODE_WINDOW_MS = 3600_000;

// A presigned PUT must not carry a checksum of an empty body (the SDK adds one by default).
const s3 = new S3Client({ forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED" });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ses = new SESv2Client({});

export type Step = "ENROLL" | "FACE";

/** What Verify writes after a wrong answer, and the words shown when it wrote nothing. */
export const DEFAULT_ERROR = "That answer was not accepted. Please try again.";

/** lastError of an ENROLL round that mailed nothing because the address had too many codes. */
export const TOO_MANY_CODES = "Too many codes were requested for this address. Try again in an hour.";

/** A 6-digit code from the operating system's CSPRNG, zero-padded. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

/** challengeMetadata is kept by Cognito between rounds and never shown to the client. */
export function metadataOf(step: Step, challengeId: string): string {
  return `${step}:${challengeId}`;
}

export function challengeIdOf(metadata: string | undefined): string | null {
  const match = /^(?:ENROLL|FACE):([0-9a-f-]{36})$/.exec(metadata ?? "");
  return match ? match[1]! : null;
}

export function documentKey(sub: string, challengeId: string): string {
  return `documents/${sub}/${challengeId}`;
}

export function signInKey(challengeId: string): string {
  return `sign-in/${challengeId}`;
}

async function lastErrorOf(session: CreateAuthChallengeTriggerEvent["request"]["session"]): Promise<string | undefined> {
  const last = session[session.length - 1];
  if (!last || last.challengeResult) return undefined;
  const challengeId = challengeIdOf(last.challengeMetadata);
  if (!challengeId) return DEFAULT_ERROR;
  const { Item } = await db.send(new GetCommand({ TableName: config.challengesTable, Key: { challengeId }, ConsistentRead: true }));
  return typeof Item?.error === "string" ? Item.error : DEFAULT_ERROR;
}

async function presignPut(bucket: string, key: string): Promise<string> {
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: config.uploadTtlSeconds });
}

async function mailCode(to: string, code: string, round: number): Promise<void> {
  const again = round > 1 ? " (a new code: the earlier one no longer works)" : "";
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: config.sender,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: `Your sign-up code: ${code}` },
          Body: {
            Text: {
              Data:
                `Your code to finish signing up is ${code}${again}.\n\n` +
                `Enter it with your ID document photo. It works once, for the next ${Math.round(config.uploadTtlSeconds / 60)} minutes.\n` +
                `If you did not try to sign up, ignore this message: nobody can use your address without this code.\n`,
            },
          },
        },
      },
    }),
  );
}

function isConditionFailure(error: unknown): boolean {
  return (error as Error).name === "ConditionalCheckFailedException";
}

/**
 * Records a code about to be mailed to this user, with the new pendingKey, when the hour's limit
 * allows it; false (and nothing written) when it does not. Each step is one conditional update:
 * count in the current window; else open a new window when the last one is over; else (another
 * sign-in opened the new window at the same moment) count in that one.
 */
async function countCode(sub: string, email: string, pendingKey: string): Promise<boolean> {
  if (!(config.maxCodesPerHour >= 1)) return false;
  const now = Date.now();
  const pending = { ":email": email.toLowerCase(), ":key": pendingKey, ":now": new Date(now).toISOString(), ":one": 1 };
  const inWindow = () =>
    db.send(
      new UpdateCommand({
        TableName: config.facesTable,
        Key: { sub },
        UpdateExpression: "SET email = :email, pendingKey = :key, pendingSince = :now, codesSent = codesSent + :one",
        ConditionExpression: "codesWindowStart > :edge AND codesSent < :max",
        ExpressionAttributeValues: { ...pending, ":edge": now - CODE_WINDOW_MS, ":max": config.maxCodesPerHour },
      }),
    );
  const newWindow = () =>
    db.send(
      new UpdateCommand({
        TableName: config.facesTable,
        Key: { sub },
        UpdateExpression: "SET email = :email, pendingKey = :key, pendingSince = :now, codesSent = :one, codesWindowStart = :start",
        ConditionExpression: "(attribute_not_exists(codesWindowStart) OR codesWindowStart <= :edge)",
        ExpressionAttributeValues: { ...pending, ":start": now, ":edge": now - CODE_WINDOW_MS },
      }),
    );
  for (const attempt of [inWindow, newWindow, inWindow]) {
    try {
      await attempt();
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return false;
}

export const handler: CreateAuthChallengeTriggerHandler = async (event) => {
  const session = event.request.session ?? [];
  const wrong = session.filter((round) => round.challengeResult !== true).length;
  const challengeId = randomUUID();
  let lastError = await lastErrorOf(session);
  const sub = event.request.userAttributes?.sub;
  const email = event.request.userAttributes?.email;

  let step: Step = "FACE";
  if (!event.request.userNotFound && sub) {
    const { Item } = await db.send(new GetCommand({ TableName: config.facesTable, Key: { sub }, ConsistentRead: true }));
    // No face yet, or an operator asked this user to enrol again (reenrol = true on the item).
    if (!Item?.faceId || Item.reenrol === true) step = "ENROLL";
  }

  let uploadKey: string;
  let uploadUrl: string;
  const privateParameters: Record<string, string> = { step, challengeId };
  if (step === "ENROLL") {
    if (!sub || !email) throw new Error("the user has no sub or email attribute");
    uploadKey = documentKey(sub, challengeId);
    uploadUrl = await presignPut(config.documentsBucket, uploadKey);
    // The only document Index Faces will accept for this user from now on, recorded only when a
    // code may be mailed for it.
    if (await countCode(sub, email, uploadKey)) {
      const code = newCode();
      await mailCode(email, code, session.length + 1);
      privateParameters.code = code;
    } else {
      lastError = TOO_MANY_CODES;
    }
  } else {
    uploadKey = signInKey(challengeId);
    uploadUrl = await presignPut(config.signInBucket, uploadKey);
  }
  privateParameters.uploadKey = uploadKey;

  const publicParameters: Record<string, string> = {
    step,
    uploadUrl,
    uploadKey,
    attemptsLeft: String(Math.max(config.maxWrongAnswers - wrong, 1)),
  };
  if (lastError) publicParameters.lastError = lastError;

  event.response.publicChallengeParameters = publicParameters;
  event.response.privateChallengeParameters = privateParameters;
  event.response.challengeMetadata = metadataOf(step, challengeId);
  return event;
};
