import type { DescribeCollectionRequest, DescribeCollectionResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import { collectionArn, type RekognitionServices } from "../context.js";
import { RekognitionErrors } from "../errors.js";

/** On the wire CreationTimestamp is epoch seconds (with milliseconds), as AWS sends it. */
type DescribeCollectionWire = Omit<DescribeCollectionResponse, "CreationTimestamp"> & { CreationTimestamp: number };

export const DescribeCollection =
  ({ store }: Pick<RekognitionServices, "store">) =>
  (input: DescribeCollectionRequest, ctx: RequestContext): DescribeCollectionWire => {
    const id = input.CollectionId!;
    const info = store.getCollection(ctx.accountId, ctx.region, id);
    if (!info) throw RekognitionErrors.collectionNotFound(id);
    return {
      FaceCount: store.faceCount(ctx.accountId, ctx.region, id),
      FaceModelVersion: info.faceModelVersion,
      CollectionARN: collectionArn(ctx.region, ctx.accountId, id),
      CreationTimestamp: info.createdAt / 1000,
      // Users (AssociateFaces, CreateUser) are not implemented: always 0.
      UserCount: 0,
    };
  };
