import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceHandler, CloudFormationCustomResourceResponse } from "aws-lambda";
import { RekognitionClient, CreateCollectionCommand, DeleteCollectionCommand, DescribeCollectionCommand } from "@aws-sdk/client-rekognition";

/**
 * A CloudFormation custom resource that owns the Rekognition collection (CloudFormation has no
 * resource type for one). Properties: CollectionId. Create and Update make the collection if it
 * is missing (idempotent: an existing collection is kept, with its faces); Delete removes it.
 * The physical resource id is the collection id, so changing CollectionId makes CloudFormation
 * create the new one and then delete the old. The answer is PUT to the event's ResponseURL, as
 * CloudFormation requires, whatever happens; Data carries CollectionId and CollectionArn.
 */

const rekognition = new RekognitionClient({});

export function collectionIdOf(event: CloudFormationCustomResourceEvent): string {
  const id = (event.ResourceProperties as { CollectionId?: unknown }).CollectionId;
  if (typeof id !== "string" || !/^[a-zA-Z0-9_.-]{1,255}$/.test(id)) {
    throw new Error(`CollectionId must match [a-zA-Z0-9_.-]{1,255}, got ${JSON.stringify(id)}`);
  }
  return id;
}

async function ensureCollection(collectionId: string): Promise<string> {
  try {
    const created = await rekognition.send(new CreateCollectionCommand({ CollectionId: collectionId }));
    if (created.CollectionArn) return created.CollectionArn;
  } catch (error) {
    if ((error as Error).name !== "ResourceAlreadyExistsException") throw error;
  }
  const described = await rekognition.send(new DescribeCollectionCommand({ CollectionId: collectionId }));
  return described.CollectionARN ?? "";
}

async function removeCollection(collectionId: string): Promise<void> {
  try {
    await rekognition.send(new DeleteCollectionCommand({ CollectionId: collectionId }));
  } catch (error) {
    if ((error as Error).name !== "ResourceNotFoundException") throw error;
  }
}

async function respond(event: CloudFormationCustomResourceEvent, answer: Omit<CloudFormationCustomResourceResponse, "StackId" | "RequestId" | "LogicalResourceId">): Promise<void> {
  const body = JSON.stringify({ ...answer, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId });
  // The ResponseURL is a presigned S3 PUT signed without a content type.
  const response = await fetch(event.ResponseURL, { method: "PUT", body, headers: { "content-type": "" } });
  if (!response.ok) throw new Error(`the ResponseURL answered ${response.status}: ${await response.text()}`);
}

export const handler: CloudFormationCustomResourceHandler = async (event) => {
  const fallbackId = "PhysicalResourceId" in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-not-created`;
  try {
    if (event.RequestType === "Delete") {
      // Only delete what this resource made: the physical id is the collection id it created
      // (a failed Create answered another id, and has nothing to delete).
      if (/^[a-zA-Z0-9_.-]{1,255}$/.test(event.PhysicalResourceId) && event.PhysicalResourceId === (event.ResourceProperties as { CollectionId?: unknown }).CollectionId) {
        await removeCollection(event.PhysicalResourceId);
      }
      await respond(event, { Status: "SUCCESS", PhysicalResourceId: event.PhysicalResourceId, Data: {} });
      return;
    }
    const collectionId = collectionIdOf(event);
    const collectionArn = await ensureCollection(collectionId);
    await respond(event, { Status: "SUCCESS", PhysicalResourceId: collectionId, Data: { CollectionId: collectionId, CollectionArn: collectionArn } });
  } catch (error) {
    console.error(error);
    const reason = `${(error as Error).name}: ${(error as Error).message}`.slice(0, 1000);
    await respond(event, { Status: "FAILED", Reason: reason, PhysicalResourceId: fallbackId, Data: {} });
  }
};
