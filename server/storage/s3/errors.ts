/**
 * S3's errors, as S3 writes them: an XML document `<Error><Code>…</Code><Message>…</Message>…`
 * with the status AWS uses, plus the extra elements AWS adds for that code (BucketName, Key…).
 * One typed constructor per code; the S3 route handler maps any S3Error to the wire.
 */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra elements after Message, in order (e.g. { BucketName: "photos" }). */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const S3Errors = {
  noSuchBucket: (bucket: string) => new S3Error("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: bucket }),
  noSuchKey: (key: string) => new S3Error("NoSuchKey", "The specified key does not exist.", 404, { Key: key }),
  bucketNotEmpty: (bucket: string) =>
    new S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, { BucketName: bucket }),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new S3Error(
      "BucketAlreadyOwnedByYou",
      "Your previous request to create the named bucket succeeded and you already own it.",
      409,
      { BucketName: bucket },
    ),
  bucketAlreadyExists: (bucket: string) =>
    new S3Error(
      "BucketAlreadyExists",
      "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
      409,
      { BucketName: bucket },
    ),
  invalidBucketName: (bucket: string) =>
    new S3Error("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: bucket }),
  invalidLocationConstraint: (constraint: string) =>
    new S3Error("InvalidLocationConstraint", "The specified location-constraint is not valid", 400, {
      LocationConstraint: constraint,
    }),
  illegalLocationConstraint: (constraint: string) =>
    new S3Error(
      "IllegalLocationConstraintException",
      `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    ),
  keyTooLong: (size: number) =>
    new S3Error("KeyTooLongError", "Your key is too long", 400, { MaxSizeAllowed: "1024", Size: String(size) }),
  requestExpired: (expires: string, expiresAt: string, serverTime: string) =>
    new S3Error("AccessDenied", "Request has expired", 403, {
      "X-Amz-Expires": expires,
      Expires: expiresAt,
      ServerTime: serverTime,
    }),
  authorizationQueryParameters: (message: string) => new S3Error("AuthorizationQueryParametersError", message, 400),
  invalidRange: (range: string, size: number) =>
    new S3Error("InvalidRange", "The requested range is not satisfiable", 416, {
      RangeRequested: range,
      ActualObjectSize: String(size),
    }),
  badDigest: (algorithm: string) =>
    new S3Error(
      "BadDigest",
      algorithm === "MD5"
        ? "The Content-MD5 you specified did not match what we received."
        : `The ${algorithm} you specified did not match the calculated checksum.`,
      400,
    ),
  invalidDigest: (value: string) =>
    new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400, { "Content-MD5": value }),
  invalidChecksum: (algorithm: string) =>
    new S3Error("InvalidRequest", `Value for x-amz-checksum-${algorithm.toLowerCase()} header is invalid.`, 400),
  incompleteBody: () =>
    new S3Error("IncompleteBody", "The request body terminated unexpectedly", 400),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error(
      "InvalidArgument",
      message,
      400,
      name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? "" },
    ),
  invalidRequest: (message: string) => new S3Error("InvalidRequest", message, 400),
  malformedXml: () =>
    new S3Error(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema",
      400,
    ),
  invalidStorageClass: () => new S3Error("InvalidStorageClass", "The storage class you specified is not valid", 400),
  preconditionFailed: (condition: string) =>
    new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, {
      Condition: condition,
    }),
  /** 304 has no body; the code is for the log. */
  notModified: () => new S3Error("NotModified", "Not Modified", 304),
  methodNotAllowed: (method: string, resource: string) =>
    new S3Error("MethodNotAllowed", "The specified method is not allowed against this resource.", 405, {
      Method: method,
      ResourceType: resource,
    }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(
      "NoSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      404,
      { UploadId: uploadId },
    ),
  entityTooLarge: (size: number, max: number) =>
    new S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400, {
      ProposedSize: String(size),
      MaxSizeAllowed: String(max),
    }),
  notImplemented: (what: string) =>
    new S3Error(
      "NotImplemented",
      `${what} is not implemented by rekognito's S3. See the README for the implemented operations.`,
      501,
    ),
  contentSha256Mismatch: (client: string, computed: string) =>
    new S3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
      ClientComputedContentSHA256: client,
      S3ComputedContentSHA256: computed,
    }),
  accessDenied: () => new S3Error("AccessDenied", "Access Denied", 403),
  internal: () => new S3Error("InternalError", "We encountered an internal error. Please try again.", 500),
  aclNotSupported: () => new S3Error("AccessControlListNotSupported", "The bucket does not allow ACLs", 400),
  copyToItself: () =>
    new S3Error(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      400,
    ),
  noSuchVersion: (versionId: string) =>
    new S3Error("InvalidArgument", "Invalid version id specified", 400, { ArgumentName: "versionId", ArgumentValue: versionId }),
  invalidUri: () => new S3Error("InvalidURI", "Couldn't parse the specified URI.", 400),
  invalidPart: (uploadId: string, partNumber: number, etag: string) =>
    new S3Error(
      "InvalidPart",
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      400,
      { UploadId: uploadId, PartNumber: String(partNumber), ETag: etag },
    ),
  invalidPartOrder: (uploadId: string) =>
    new S3Error("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", 400, {
      UploadId: uploadId,
    }),
  entityTooSmall: (size: number, partNumber: number, etag: string) =>
    new S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400, {
      ProposedSize: String(size),
      MinSizeAllowed: "5242880",
      PartNumber: String(partNumber),
      ETag: etag,
    }),
  invalidPartNumber: (value: string) =>
    new S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400, {
      ArgumentName: "partNumber",
      ArgumentValue: value,
    }),
  noParts: () => new S3Error("InvalidRequest", "You must specify at least one part", 400),
  noSuchPublicAccessBlockConfiguration: (bucket: string) =>
    new S3Error("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404, { BucketName: bucket }),
  noSuchCorsConfiguration: (bucket: string) =>
    new S3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist", 404, { BucketName: bucket }),
  noSuchLifecycleConfiguration: (bucket: string) =>
    new S3Error("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404, { BucketName: bucket }),
  noSuchBucketPolicy: (bucket: string) =>
    new S3Error("NoSuchBucketPolicy", "The bucket policy does not exist", 404, { BucketName: bucket }),
  malformedPolicy: (message: string) => new S3Error("MalformedPolicy", message, 400),
  /** A preflight that no CORS rule of the bucket allows. */
  corsForbidden: (method: string, resourceType: "OBJECT" | "BUCKET") =>
    new S3Error(
      "AccessForbidden",
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      403,
      { Method: method, ResourceType: resourceType },
    ),
  corsOriginMissing: () => new S3Error("BadRequest", "Insufficient information. Origin request header needed.", 400),
  corsMethodMissing: () =>
    new S3Error("BadRequest", "Invalid Access-Control-Request-Method: null", 400),
  // Authentication (the request policy, server/protocol/policy.ts, answers these).
  signatureDoesNotMatch: (accessKeyId: string, stringToSign: string, signature: string, canonicalRequest: string) =>
    new S3Error(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      403,
      { AWSAccessKeyId: accessKeyId, StringToSign: stringToSign, SignatureProvided: signature, CanonicalRequest: canonicalRequest },
    ),
  invalidAccessKeyId: (accessKeyId: string) =>
    new S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403, { AWSAccessKeyId: accessKeyId }),
  requestTimeTooSkewed: (requestTime: string, serverTime: string) =>
    new S3Error("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403, {
      RequestTime: requestTime,
      ServerTime: serverTime,
      MaxAllowedSkewMilliseconds: "900000",
    }),
  authorizationHeaderMalformed: (detail: string) => new S3Error("AuthorizationHeaderMalformed", `The authorization header is malformed; ${detail}`, 400),
  unsupportedAuthorization: (value: string) =>
    new S3Error("InvalidArgument", "Unsupported Authorization Type", 400, { ArgumentName: "Authorization", ArgumentValue: value }),
  /** A header signature without a date S3 can read. */
  missingDate: () => new S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403),
  /** The request policy's own refusals (Host, Origin), in S3's shape. */
  refused: (message: string) => new S3Error("AccessDenied", message, 403),
  /** The external storage endpoint could not be reached. */
  unavailable: (where: string, cause: string) =>
    new S3Error("ServiceUnavailable", `rekognito could not reach the storage endpoint ${where}: ${cause}`, 503),
};
