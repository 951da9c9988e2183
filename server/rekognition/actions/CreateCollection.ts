import type { CreateCollectionRequest, CreateCollectionResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import type { RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";

/**
 * Creates an empty collection in the caller's account and region. AWS answers this one
 * action's CollectionArn without the "arn:" prefix ("aws:rekognition:us-west-2:123456789012:collection/x"),
 * while DescribeCollection's CollectionARN has it; rekognito answers both as AWS does.
 */
export const CreateCollection =
  ({ collections, clock }: Pick<RekognitionServices, "collections" | "clock">) =>
  (input: CreateCollectionRequest, ctx: RequestContext): CreateCollectionResponse => {
    const id = input.CollectionId!;
    const created = collections.of(ctx).create(id, clock.now(), input.Tags ?? {});
    if (!created) throw RekognitionErrors.collectionAlreadyExists(id);
    return {
      StatusCode: 200,
      CollectionArn: `aws:rekognition:${ctx.region}:${ctx.accountId}:collection/${id}`,
      FaceModelVersion: created.faceModelVersion,
    };
  };
