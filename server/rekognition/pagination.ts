import { RekognitionErrors } from "./errors.js";

/**
 * Opaque NextTokens: base64url of a small JSON position. A ListCollections token holds the
 * creation number of the last collection returned, a ListFaces token the last FaceId (faces
 * are listed in FaceId order), so a page resumes in the right place even when items were
 * deleted in between. Anything that does not decode to the expected kind is
 * InvalidPaginationTokenException.
 */
type Position = { k: "collections"; after: number } | { k: "faces"; after: string; c: string };

function encode(position: Position): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

function decode(token: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    return typeof value === "object" && value !== null ? (value as Position) : undefined;
  } catch {
    return undefined;
  }
}

export function collectionsToken(afterSeq: number): string {
  return encode({ k: "collections", after: afterSeq });
}

export function readCollectionsToken(token: string): number {
  const p = decode(token);
  if (!p || p.k !== "collections" || !Number.isInteger(p.after)) throw RekognitionErrors.invalidPaginationToken();
  return p.after;
}

/** Bound to its collection by a short digest of the collection id (tokens stay under 255 chars). */
export function facesToken(afterFaceId: string, collectionTag: string): string {
  return encode({ k: "faces", after: afterFaceId, c: collectionTag });
}

export function readFacesToken(token: string, collectionTag: string): string {
  const p = decode(token);
  if (!p || p.k !== "faces" || typeof p.after !== "string" || p.c !== collectionTag) throw RekognitionErrors.invalidPaginationToken();
  return p.after;
}
