import { timingSafeEqual } from "node:crypto";
import type { VerifyAuthChallengeResponseTriggerEvent, VerifyAuthChallengeResponseTriggerHandler } from "aws-lambda";
import { S3Client, DeleteObjectCommand } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { RekognitionClient, DetectFacesCommand, SearchFacesByImageCommand, DeleteFacesCommand } from "@aws-sdk/client-rekognition";
import { CognitoIdentityProviderClient, AdminUpdateUserAttributesCommand } from "@aws-sdk/client-cognito-identity-provider";

/**
 * Verify Auth Challenge Response: judges one answer.
 *
 * - ENROLL: the answer is the mailed code. It must match (compared in constant time), and the
 *   document uploaded at the key of this very challenge must have given exactly one indexed face
 *   (Index Faces records the outcome). Then that face becomes the user's face (replacing an older
 *   one, deleted from the collection) and the email is marked verified.
 * - FACE: the answer is the uploadKey of this challenge, and nothing else: not an older object,
 *   not another user's upload, not a key in another bucket. The photo must show exactly one face
 *   whose best match at MATCH_THRESHOLD (90) or more is this user's confirmed face. The photo is
 *   deleted once judged.
 *
 * A wrong answer writes why, in words a UI can show, for Create Auth Challenge to pass on as
 * lastError. An unknown user (userNotFound) is judged the same way up to the match, and never
 * matches, so its answers look like a real user's.
 *
 * Environment: COLLECTION_ID, FACES_TABLE, CHALLENGES_TABLE, SIGN_IN_BUCKET, MATCH_THRESHOLD
 * (default 90), ENROLL_WAIT_MS (default 3500: how long to wait for Index Faces to finish).
 */

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`verify-auth-challenge: environment variable ${name} is not set`);
  return value;
}

const config = {
  collectionId: env("COLLECTION_ID"),
  facesTable: env("FACES_TABLE"),
  challengesTable: env("CHALLENGES_TABLE"),
  signInBucket: env("SIGN_IN_BUCKET"),
  threshold: Number(env("MATCH_THRESHOLD", "90")),
  enrollWaitMs: Number(env("ENROLL_WAIT_MS", "3500")),
};

const s3 = new S3Client({ forcePathStyle: true });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const rekognition = new RekognitionClient({});
const cognito = new CognitoIdentityProviderClient({});

/** The words a UI shows after a wrong answer. */
export const Reasons = {
  codeWrong: "That code is not right. We mailed you a new one: enter the newest code.",
  documentMissing: "We did not receive your ID document photo. Upload it, then enter the code.",
  documentNoFace: "We could not find a face in your ID document photo. Upload a clearer photo.",
  documentSeveralFaces: "Your ID document photo shows more than one face. Upload a photo of your document only.",
  documentUnusable: "The face on your ID document photo is too small or unclear. Upload a sharper, closer photo.",
  documentNotImage: "Your ID document photo must be a JPEG or PNG image under 15 MB.",
  wrongUpload: "That is not the photo this sign-in asked for. Upload your photo to the link given and answer with its key.",
  photoMissing: "We did not receive your photo. Upload it, then try again.",
  photoNotImage: "The photo must be a JPEG or PNG image under 15 MB.",
  photoNoFace: "We could not find a face in your photo. Face the camera in good light.",
  photoSeveralFaces: "Your photo shows more than one face. Make sure only you are in the picture.",
  faceNotRecognised: "We did not recognise your face. Try again, facing the camera in good light.",
} as const;

/** Maps the outcome Index Faces recorded to the words for the user. */
export function enrolmentReason(outcome: string | undefined): string {
  switch (outcome) {
    case "NO_FACE":
      return Reasons.documentNoFace;
    case "SEVERAL_FACES":
      return Reasons.documentSeveralFaces;
    case "FACE_NOT_USABLE":
      return Reasons.documentUnusable;
    case "NOT_AN_IMAGE":
      return Reasons.documentNotImage;
    default:
      return Reasons.documentMissing;
  }
}

export function sameSecret(expected: string | undefined, given: string | undefined): boolean {
  if (!expected || typeof given !== "string") return false;
  const a = Buffer.from(expected.trim());
  const b = Buffer.from(given.trim());
  return a.length === b.length && timingSafeEqual(a, b);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type FaceRecord = {
  sub: string;
  email?: string;
  faceId?: string;
  documentKey?: string;
  pendingKey?: string;
  uploadKey?: string;
  uploadOutcome?: string;
  uploadFaceId?: string;
};

async function faceRecord(sub: string): Promise<FaceRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: config.facesTable, Key: { sub }, ConsistentRead: true }));
  return Item as FaceRecord | undefined;
}

async function rejected(challengeId: string | undefined, reason: string): Promise<false> {
  if (challengeId) {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await db.send(new PutCommand({ TableName: config.challengesTable, Item: { challengeId, error: reason, expiresAt } }));
  }
  return false;
}

/** ENROLL: the code, then the document indexed from this challenge's upload. */
async function verifyEnrolment(event: VerifyAuthChallengeResponseTriggerEvent): Promise<boolean> {
  const secret = event.request.privateChallengeParameters;
  const challengeId = secret.challengeId;
  if (!sameSecret(secret.code, event.request.challengeAnswer)) return rejected(challengeId, Reasons.codeWrong);
  const sub = event.request.userAttributes.sub;
  const key = secret.uploadKey;
  if (!sub || !key) return rejected(challengeId, Reasons.documentMissing);

  // Index Faces runs when the upload lands, asynchronously: give it a moment to record the outcome.
  const deadline = Date.now() + config.enrollWaitMs;
  let record = await faceRecord(sub);
  while (record?.uploadKey !== key && Date.now() < deadline) {
    await sleep(50);
    record = await faceRecord(sub);
  }
  if (!record || record.pendingKey !== key || record.uploadKey !== key) return rejected(challengeId, Reasons.documentMissing);
  if (record.uploadOutcome !== "INDEXED" || !record.uploadFaceId) return rejected(challengeId, enrolmentReason(record.uploadOutcome));

  const previousFaceId = record.faceId;
  const faceId = record.uploadFaceId;
  try {
    await db.send(
      new UpdateCommand({
        TableName: config.facesTable,
        Key: { sub },
        UpdateExpression:
          "SET faceId = :faceId, documentKey = :key, enrolledAt = :now REMOVE pendingKey, pendingSince, uploadKey, uploadOutcome, uploadFaceId, uploadedAt, reenrol",
        ConditionExpression: "pendingKey = :key AND uploadKey = :key AND uploadFaceId = :faceId",
        ExpressionAttributeValues: { ":faceId": faceId, ":key": key, ":now": new Date().toISOString() },
      }),
    );
  } catch (error) {
    if ((error as Error).name === "ConditionalCheckFailedException") return rejected(challengeId, Reasons.documentMissing);
    throw error;
  }
  if (previousFaceId && previousFaceId !== faceId) {
    await rekognition.send(new DeleteFacesCommand({ CollectionId: config.collectionId, FaceIds: [previousFaceId] }));
  }
  try {
    // The code proved the address: say so in the tokens (email_verified). Not essential to signing in.
    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: event.userPoolId,
        Username: event.userName,
        UserAttributes: [{ Name: "email_verified", Value: "true" }],
      }),
    );
  } catch (error) {
    console.warn(`could not mark the email verified: ${(error as Error).name}: ${(error as Error).message}`);
  }
  return true;
}

/** How many matches to look through, past faces whose enrolment was never confirmed. */
const SEARCH_DEPTH = 10;

type Match = { Similarity?: number; Face?: { FaceId?: string; ExternalImageId?: string } };

/**
 * True when the best match among ENROLLED faces is this user's face. Matches come highest
 * first. A face whose enrolment was never confirmed (pending: the code was not given) is
 * skipped, so nobody can block a user by uploading that user's photo as their own unconfirmed
 * document. A confirmed face of someone else ranking higher means the photo is not this user.
 */
export async function bestEnrolledMatchIs(
  matches: Match[],
  faceId: string,
  confirmedFaceOf: (sub: string) => Promise<string | undefined> = async (sub) => (await faceRecord(sub))?.faceId,
): Promise<boolean> {
  for (const match of matches) {
    if ((match.Similarity ?? 0) < config.threshold) return false;
    if (match.Face?.FaceId === faceId) return true;
    const owner = match.Face?.ExternalImageId;
    if (!owner || (await confirmedFaceOf(owner)) === match.Face?.FaceId) return false;
  }
  return false;
}

/** FACE: this challenge's upload, one face, best match at the threshold is this user's face. */
async function verifyFace(event: VerifyAuthChallengeResponseTriggerEvent): Promise<boolean> {
  const secret = event.request.privateChallengeParameters;
  const challengeId = secret.challengeId;
  const key = secret.uploadKey;
  // Only the key this challenge chose. Another key (an older object, someone else's upload, a
  // document) is refused before anything reads it, and is never deleted here.
  if (!key || !sameSecret(key, event.request.challengeAnswer)) return rejected(challengeId, Reasons.wrongUpload);
  const image = { S3Object: { Bucket: config.signInBucket, Name: key } };
  try {
    let faces;
    try {
      faces = (await rekognition.send(new DetectFacesCommand({ Image: image }))).FaceDetails ?? [];
    } catch (error) {
      const name = (error as Error).name;
      if (name === "InvalidS3ObjectException") return rejected(challengeId, Reasons.photoMissing);
      // A broken or tiny image is the photo's fault, not a fault of the sign-in.
      if (name === "InvalidImageFormatException" || name === "ImageTooLargeException" || name === "InvalidParameterException") {
        return rejected(challengeId, Reasons.photoNotImage);
      }
      throw error;
    }
    if (faces.length === 0) return rejected(challengeId, Reasons.photoNoFace);
    if (faces.length > 1) return rejected(challengeId, Reasons.photoSeveralFaces);

    const sub = event.request.userAttributes.sub;
    const record = event.request.userNotFound || !sub ? undefined : await faceRecord(sub);
    const { FaceMatches = [] } = await rekognition.send(
      new SearchFacesByImageCommand({ CollectionId: config.collectionId, Image: image, FaceMatchThreshold: config.threshold, MaxFaces: SEARCH_DEPTH }),
    );
    if (record?.faceId && (await bestEnrolledMatchIs(FaceMatches, record.faceId))) return true;
    return rejected(challengeId, Reasons.faceNotRecognised);
  } finally {
    // No biometric image is kept longer than needed.
    await s3.send(new DeleteObjectCommand({ Bucket: config.signInBucket, Key: key })).catch((error: Error) => {
      console.warn(`could not delete the sign-in photo ${key}: ${error.name}`);
    });
  }
}

export const handler: VerifyAuthChallengeResponseTriggerHandler = async (event) => {
  const step = event.request.privateChallengeParameters?.step;
  let correct = false;
  if (step === "ENROLL" && !event.request.userNotFound) correct = await verifyEnrolment(event);
  else if (step === "FACE") correct = await verifyFace(event);
  event.response.answerCorrect = correct;
  return event;
};
