import { AwsError } from "../protocol/errors.js";

/**
 * Rekognition's errors, with AWS's __type and, where it is known from real responses, AWS's
 * wording. One constructor per case; actions never build an AwsError inline.
 */
export const RekognitionErrors = {
  /** Real AWS: "The collection id: my_faces does not exist". */
  collectionNotFound: (collectionId: string) =>
    new AwsError("ResourceNotFoundException", `The collection id: ${collectionId} does not exist`),
  collectionAlreadyExists: (collectionId: string) =>
    new AwsError("ResourceAlreadyExistsException", `The collection id: ${collectionId} already exists`),
  /** SearchFacesByImage and CompareFaces when the image holds no (usable) face. */
  noFacesInImage: () =>
    new AwsError("InvalidParameterException", "There are no faces in the image. Should be at least 1."),
  /** SearchFaces with a FaceId that is not in the collection. */
  faceNotFound: () => new AwsError("InvalidParameterException", "faceId was not found in the collection."),
  /** Image with neither or both of Bytes and S3Object, and other semantic parameter faults. */
  invalidParameters: (detail?: string) =>
    new AwsError("InvalidParameterException", detail ? `Request has invalid parameters: ${detail}` : "Request has invalid parameters"),
  invalidImageFormat: () => new AwsError("InvalidImageFormatException", "Request has invalid image format"),
  imageTooLarge: () => new AwsError("ImageTooLargeException", "Image size is too large."),
  invalidS3Object: () =>
    new AwsError(
      "InvalidS3ObjectException",
      "Unable to get object metadata from S3. Check object key, region and/or access permissions.",
    ),
  invalidPaginationToken: () => new AwsError("InvalidPaginationTokenException", "Invalid pagination token."),
  /**
   * What AWS answers for Image.Bytes outside 1..5242880 bytes: the model's length constraint,
   * worded by its Java front end (the value is shown as the ByteBuffer that held it).
   */
  imageBytesLength: (path: string, length: number, max: number) =>
    new AwsError(
      "ValidationException",
      `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${length} cap=${length}]' at '${path}' failed to satisfy constraint: ` +
        (length < 1 ? "Member must have length greater than or equal to 1" : `Member must have length less than or equal to ${max}`),
    ),
};
