import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CoreServices } from "../core/services.js";
import { logRequest, requestText, type RequestLine } from "../core/logger.js";
import { locate } from "../protocol/rest-xml.js";

/**
 * What the stack notes of every request once it is answered: the request log's line (service,
 * action, status, milliseconds, the AWS error type) and, for a call made by a running Lambda
 * invocation or an upload a sign-in asked for, a step in the console's traces.
 */

/** The header rekognito's console puts on the requests it makes to its own stack (not logged, not traced). */
export const CONSOLE_HEADER = "x-rekognito-console";

/**
 * Error answers that are how a lookup says "absent" or a condition says "not met": the
 * provisioner's HeadBucket 404, DescribeTable's ResourceNotFoundException, a conditional
 * UpdateItem's ConditionalCheckFailedException. Answers a program asked for, not failures.
 */
export function isExpectedAnswer(service: string, action: string, status: number, errorType: string | undefined): boolean {
  if (status < 400 || status >= 500) return false;
  const type = errorType ?? "";
  switch (service) {
    case "s3":
      if (action === "HeadBucket" || action === "HeadObject") return status === 404;
      // GetBucketCors, GetBucketPolicy...: "there is no such configuration".
      return action.startsWith("GetBucket") && (/^NoSuch/.test(type) || type === "ServerSideEncryptionConfigurationNotFoundError");
    case "dynamodb":
      if (type === "ConditionalCheckFailedException") return true;
      return (action === "DescribeTable" || action === "DescribeTimeToLive") && type === "ResourceNotFoundException";
    case "lambda":
      return (action === "GetFunction" || action === "GetFunctionConfiguration" || action === "GetPolicy") && type === "ResourceNotFoundException";
    case "rekognition":
      return action === "DescribeCollection" && type === "ResourceNotFoundException";
    case "cognito-idp":
      return (action === "AdminGetUser" && type === "UserNotFoundException") || (action === "DescribeUserPool" && type === "ResourceNotFoundException");
    default:
      return false;
  }
}

/** The AWS error type of an answer whose handler did not name it: JSON's `__type` (after its `#`) or S3's `<Code>`. */
export function sniffErrorType(payload: unknown): string | undefined {
  const text = typeof payload === "string" ? payload.slice(0, 400) : Buffer.isBuffer(payload) ? payload.subarray(0, 400).toString("utf8") : undefined;
  if (!text) return undefined;
  const json = /"__type"\s*:\s*"([^"]+)"/.exec(text);
  if (json) return json[1]!.slice(json[1]!.lastIndexOf("#") + 1);
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
}

type Io = { input: Record<string, any>; output: Record<string, any> };

/** What a trace shows of a Rekognition call: the similarity scores above all. */
function rekognitionDetail(action: string, io: Io | undefined): unknown {
  if (!io) return undefined;
  const { input, output } = io;
  const image = (which: Record<string, any> | undefined) =>
    which?.S3Object ? `s3://${which.S3Object.Bucket}/${which.S3Object.Name}` : which?.Bytes ? "image bytes" : undefined;
  const matches = (list: any[] | undefined) =>
    (list ?? []).map((m: any) => ({ similarity: m.Similarity, faceId: m.Face?.FaceId, externalImageId: m.Face?.ExternalImageId }));
  switch (action) {
    case "SearchFacesByImage":
      return { collectionId: input.CollectionId, image: image(input.Image), faceMatchThreshold: input.FaceMatchThreshold ?? 80, searchedFaceConfidence: output.SearchedFaceConfidence, faceMatches: matches(output.FaceMatches) };
    case "SearchFaces":
      return { collectionId: input.CollectionId, faceId: input.FaceId, faceMatchThreshold: input.FaceMatchThreshold ?? 80, faceMatches: matches(output.FaceMatches) };
    case "CompareFaces":
      return {
        source: image(input.SourceImage),
        target: image(input.TargetImage),
        similarityThreshold: input.SimilarityThreshold ?? 80,
        faceMatches: (output.FaceMatches ?? []).map((m: any) => ({ similarity: m.Similarity, boundingBox: m.Face?.BoundingBox })),
        unmatchedFaces: (output.UnmatchedFaces ?? []).length,
      };
    case "IndexFaces":
      return {
        collectionId: input.CollectionId,
        image: image(input.Image),
        externalImageId: input.ExternalImageId,
        indexed: (output.FaceRecords ?? []).map((r: any) => ({ faceId: r.Face?.FaceId, confidence: r.Face?.Confidence, boundingBox: r.Face?.BoundingBox })),
        unindexed: (output.UnindexedFaces ?? []).map((u: any) => u.Reasons),
      };
    case "DetectFaces":
      return { image: image(input.Image), faces: (output.FaceDetails ?? []).map((f: any) => ({ confidence: f.Confidence, boundingBox: f.BoundingBox })) };
    default:
      return undefined;
  }
}

function objectOf(request: FastifyRequest): { bucket: string; key: string } | undefined {
  try {
    const { bucket, key } = locate(request);
    return bucket && key ? { bucket, key } : undefined;
  } catch {
    return undefined;
  }
}

function observe(core: CoreServices, request: FastifyRequest, reply: FastifyReply): void {
  const tag = request.awsLog;
  const ms = reply.elapsedTime;
  if (!tag) {
    const path = (request.raw.url ?? request.url).split("?", 1)[0]!;
    // rekognito's own routes (health, the console, the web app) and the console's own calls are
    // detail: only --verbose lists them.
    const text = `${request.method} ${path} ${reply.statusCode} ${ms.toFixed(1)}ms`;
    // Health answers 503 "starting" until the app is provisioned: that is no fault.
    if (reply.statusCode >= 500 && path !== "/_rekognito/health") core.logger.error(text);
    else core.logger.debug?.(text);
    return;
  }
  if (request.headers[CONSOLE_HEADER] !== undefined && reply.statusCode < 500) {
    core.logger.debug?.(requestText({ service: tag.service, action: tag.action, status: reply.statusCode, ms }));
    return;
  }
  const header = reply.getHeader("x-amzn-errortype");
  const errorType = reply.statusCode >= 400 ? (tag.errorType ?? (typeof header === "string" ? header.split(":", 1)[0] : undefined)) : undefined;
  const expected = isExpectedAnswer(tag.service, tag.action, reply.statusCode, errorType);
  const line: RequestLine = { service: tag.service, action: tag.action, status: reply.statusCode, ms, ...(errorType ? { errorType } : {}), ...(expected ? { expected } : {}), ...(tag.fault ? { fault: tag.fault } : {}) };
  logRequest(core.logger, line);

  const traces = core.traces;
  if (!traces) return;
  const io = tag.io as Io | undefined;
  if (tag.service === "rekognition" && tag.action === "IndexFaces" && io?.input?.Image?.S3Object && reply.statusCode === 200) {
    const source = io.input.Image.S3Object;
    traces.indexed(
      io.input.CollectionId,
      source.Bucket,
      source.Name,
      (io.output.FaceRecords ?? []).map((r: any) => ({ faceId: r.Face?.FaceId, boundingBox: r.Face?.BoundingBox ?? {} })),
    );
  }
  const traceHeader = request.headers["x-amzn-trace-id"];
  const s3Object = tag.service === "s3" ? objectOf(request) : undefined;
  if (typeof traceHeader !== "string" && !(s3Object && tag.action === "PutObject")) return;
  traces.call({
    traceHeader: typeof traceHeader === "string" ? traceHeader : undefined,
    service: tag.service,
    action: tag.action,
    status: reply.statusCode,
    ms,
    ...(errorType ? { errorType } : {}),
    expected,
    ...(s3Object ? { s3Object } : {}),
    details: tag.service === "rekognition" ? () => rekognitionDetail(tag.action, io) : undefined,
  });
}

/** Installs the request log and the traces' request hook (in place of a plain log line per request). */
export function observeRequests(fastify: FastifyInstance, core: CoreServices): void {
  // Callback hooks: an async one costs every request a promise and a turn of the microtask queue.
  fastify.addHook("onSend", (request, reply, payload, done) => {
    // Proxied answers (DynamoDB's engine, an external S3) name their error only in the body.
    if (reply.statusCode >= 400 && request.awsLog && !request.awsLog.errorType && !reply.getHeader("x-amzn-errortype")) {
      const sniffed = sniffErrorType(payload);
      if (sniffed) request.awsLog.errorType = sniffed;
    }
    done(null, payload);
  });
  fastify.addHook("onResponse", (request, reply, done) => {
    observe(core, request, reply);
    done();
  });
}
