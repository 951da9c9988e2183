import type { DescribeCollectionRequest, DescribeCollectionResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import { collectionArn } from "../collections.js";
import type { RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";

/** On the wire CreationTimestamp is epoch seconds (with milliseconds), as AWS sends it. */
type DescribeCollectionWire = Omit<DescribeCollectionResponse, "CreationTimestamp"> & { CreationTimestamp: number };

export const DescribeCollection =
  ({ collections }: Pick<RekognitionServices, "collections">) =>
  (input: DescribeCollectionRequest, ctx: RequestContext): DescribeCollectionWire => {
    const id = input.CollectionId!;
    const here = collections.of(ctx);
    const info = here.get(id);
    if (!info) throw RekognitionErrors.collectionNotFound(id);
    return {
      FaceCount: here.collection(id).count(),
      FaceModelVersion: info.faceModelVersion,
      CollectionARN: collectionArn(here.scope, id),
      CreationTimestamp: info.createdAt / 1000,
      // Users (AssociateFaces, CreateUser) are not implemented: always 0.
      UserCount: 0,
    };
  };
