import type { ListFacesRequest, ListFacesResponse } from "@aws-sdk/client-rekognition";
import type { RequestContext } from "../../protocol/json.js";
import { DEFAULT_PAGE_SIZE, type RekognitionServices } from "../services.js";
import { RekognitionErrors } from "../errors.js";
import { facesToken, readFacesToken } from "../pagination.js";
import { storedFace } from "../shapes.js";

/**
 * The faces of a collection in FaceId order (as AWS lists them), optionally only the given
 * FaceIds. UserId filtering needs users, which rekognito does not implement: a UserId
 * matches no face.
 */
export const ListFaces =
  ({ collections }: Pick<RekognitionServices, "collections">) =>
  (input: ListFacesRequest, ctx: RequestContext): ListFacesResponse => {
    const id = input.CollectionId!;
    const here = collections.of(ctx);
    const info = here.get(id);
    if (!info) throw RekognitionErrors.collectionNotFound(id);
    const tag = String(info.seq);
    const after = input.NextToken ? readFacesToken(input.NextToken, tag) : undefined;
    const limit = input.MaxResults ? input.MaxResults : DEFAULT_PAGE_SIZE;
    const only = input.UserId !== undefined ? new Set<string>() : input.FaceIds ? new Set(input.FaceIds) : undefined;
    const { faces, more } = here.collection(id).list(after, limit, only);
    const out: ListFacesResponse = { Faces: faces.map(storedFace), FaceModelVersion: info.faceModelVersion };
    if (more && faces.length) out.NextToken = facesToken(faces[faces.length - 1]!.faceId, tag);
    return out;
  };
