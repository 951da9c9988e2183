import type { S3EventRecord, S3Handler } from "aws-lambda";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { RekognitionClient, DetectFacesCommand, IndexFacesCommand, DeleteFacesCommand } from "@aws-sdk/client-rekognition";

/**
 * Index Faces: runs when an ID document lands in the documents bucket.
 *
 * The key is documents/<sub>/<challengeId>, chosen by Create Auth Challenge, which also wrote it
 * to the user's record as `pendingKey`. Only that upload is indexed: any other object (an old
 * link, a key nobody asked for) is ignored. The face goes into the collection with
 * ExternalImageId = the `sub` from the key (never from client metadata), MaxFaces 1 and
 * QualityFilter AUTO. A document with no face or several faces indexes nothing and records that
 * outcome. The record keeps the outcome (uploadOutcome, uploadFaceId) until Verify Auth
 * Challenge confirms it with the mailed code; an earlier unconfirmed face of the same user is
 * deleted from the collection, so enrolling again replaces it.
 *
 * Environment: COLLECTION_ID, FACES_TABLE.
 */

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`index-faces: environment variable ${name} is not set`);
  return value;
}

const config = { collectionId: env("COLLECTION_ID"), facesTable: env("FACES_TABLE") };
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const rekognition = new RekognitionClient({});

export type Outcome = "INDEXED" | "NO_FACE" | "SEVERAL_FACES" | "FACE_NOT_USABLE" | "NOT_AN_IMAGE";

/** S3 event keys are URL-encoded, with spaces as '+'. */
export function decodeKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** The `sub` the key was chosen from, or null when the key is not a document key. */
export function subOf(key: string): string | null {
  const match = /^documents\/([A-Za-z0-9-]{1,128})\/[0-9a-f-]{36}$/.exec(key);
  return match ? match[1]! : null;
}

async function analyse(bucket: string, key: string, sub: string): Promise<{ outcome: Outcome; faceId?: string; reasons?: string[] }> {
  const image = { S3Object: { Bucket: bucket, Name: key } };
  try {
    const { FaceDetails = [] } = await rekognition.send(new DetectFacesCommand({ Image: image }));
    if (FaceDetails.length === 0) return { outcome: "NO_FACE" };
    if (FaceDetails.length > 1) return { outcome: "SEVERAL_FACES" };
    const indexed = await rekognition.send(
      new IndexFacesCommand({
        CollectionId: config.collectionId,
        Image: image,
        ExternalImageId: sub,
        MaxFaces: 1,
        QualityFilter: "AUTO",
        DetectionAttributes: ["DEFAULT"],
      }),
    );
    const faceId = indexed.FaceRecords?.[0]?.Face?.FaceId;
    if (faceId) return { outcome: "INDEXED", faceId };
    return { outcome: "FACE_NOT_USABLE", reasons: indexed.UnindexedFaces?.flatMap((face) => face.Reasons ?? []) ?? [] };
  } catch (error) {
    const name = (error as Error).name;
    if (["InvalidImageFormatException", "ImageTooLargeException", "InvalidS3ObjectException", "InvalidParameterException"].includes(name)) {
      return { outcome: "NOT_AN_IMAGE", reasons: [name] };
    }
    throw error;
  }
}

async function deleteFace(faceId: string): Promise<void> {
  await rekognition.send(new DeleteFacesCommand({ CollectionId: config.collectionId, FaceIds: [faceId] }));
}

async function indexDocument(record: S3EventRecord): Promise<void> {
  const bucket = record.s3.bucket.name;
  const key = decodeKey(record.s3.object.key);
  const sub = subOf(key);
  if (!sub) {
    console.warn(`ignored s3://${bucket}/${key}: not a document key (documents/<sub>/<challenge id>)`);
    return;
  }
  const { Item } = await db.send(new GetCommand({ TableName: config.facesTable, Key: { sub }, ConsistentRead: true }));
  if (Item?.pendingKey !== key) {
    console.warn(`ignored s3://${bucket}/${key}: no enrolment challenge is waiting for this upload`);
    return;
  }
  const result = await analyse(bucket, key, sub);
  let previous: Record<string, unknown> | undefined;
  try {
    const values: Record<string, unknown> = { ":key": key, ":outcome": result.outcome, ":now": new Date().toISOString() };
    let update = "SET uploadKey = :key, uploadOutcome = :outcome, uploadedAt = :now";
    if (result.faceId) {
      update += ", uploadFaceId = :faceId";
      values[":faceId"] = result.faceId;
    } else {
      update += " REMOVE uploadFaceId";
    }
    const answer = await db.send(
      new UpdateCommand({
        TableName: config.facesTable,
        Key: { sub },
        UpdateExpression: update,
        // Only the upload the current enrolment challenge asked for.
        ConditionExpression: "pendingKey = :key",
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_OLD",
      }),
    );
    previous = answer.Attributes;
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    console.warn(`ignored s3://${bucket}/${key}: no enrolment challenge is waiting for this upload`);
    if (result.faceId) await deleteFace(result.faceId);
    return;
  }
  const stale = previous?.uploadFaceId;
  if (typeof stale === "string" && stale !== result.faceId && stale !== previous?.faceId) await deleteFace(stale);
  console.log(`s3://${bucket}/${key}: ${result.outcome}${result.reasons?.length ? ` (${result.reasons.join(", ")})` : ""}`);
}

export const handler: S3Handler = async (event) => {
  for (const record of event.Records) await indexDocument(record);
};
