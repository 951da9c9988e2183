import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CoreServices, StackComponent } from "../../core/services.js";
import { callerFromHeaders } from "../../protocol/sigv4.js";
import { baseUrlOf } from "../../protocol/json.js";
import type { ObjectReader, StoredObject } from "../types.js";
import { S3Error, S3Errors } from "./errors.js";
import { decodeAwsChunked, isAwsChunked } from "./chunked.js";
import {
  bucketFromHost,
  checkPresignedExpiry,
  headersOf,
  locate,
  newRequestIds,
  queryOf,
  registerS3Routes,
  sendPreflight,
  sendS3Error,
  sendS3Response,
} from "./http.js";
import { Notifier } from "./notifications.js";
import { resolveOperation, type ImplementedOperation } from "./operations.js";
import { S3Store } from "./store.js";
import type { S3ActionFactory, S3Request, S3Services } from "./types.js";
import { ListBuckets } from "./actions/ListBuckets.js";
import { CreateBucket } from "./actions/CreateBucket.js";
import { HeadBucket } from "./actions/HeadBucket.js";
import { DeleteBucket } from "./actions/DeleteBucket.js";
import { GetBucketLocation } from "./actions/GetBucketLocation.js";
import { PutBucketNotificationConfiguration } from "./actions/PutBucketNotificationConfiguration.js";
import { GetBucketNotificationConfiguration } from "./actions/GetBucketNotificationConfiguration.js";
import { ListObjects } from "./actions/ListObjects.js";
import { ListObjectsV2 } from "./actions/ListObjectsV2.js";
import { DeleteObjects } from "./actions/DeleteObjects.js";
import { PutObject } from "./actions/PutObject.js";
import { CopyObject } from "./actions/CopyObject.js";
import { GetObject } from "./actions/GetObject.js";
import { HeadObject } from "./actions/HeadObject.js";
import { DeleteObject } from "./actions/DeleteObject.js";
import { CreateMultipartUpload } from "./actions/CreateMultipartUpload.js";
import { UploadPart } from "./actions/UploadPart.js";
import { CompleteMultipartUpload } from "./actions/CompleteMultipartUpload.js";
import { AbortMultipartUpload } from "./actions/AbortMultipartUpload.js";
import { ListParts } from "./actions/ListParts.js";
import { ListMultipartUploads } from "./actions/ListMultipartUploads.js";

/** The S3 operations rekognito implements, one file each under actions/. */
export const s3Actions: Record<ImplementedOperation, S3ActionFactory> = {
  ListBuckets,
  CreateBucket,
  HeadBucket,
  DeleteBucket,
  GetBucketLocation,
  PutBucketNotificationConfiguration,
  GetBucketNotificationConfiguration,
  ListObjects,
  ListObjectsV2,
  DeleteObjects,
  PutObject,
  CopyObject,
  GetObject,
  HeadObject,
  DeleteObject,
  CreateMultipartUpload,
  UploadPart,
  CompleteMultipartUpload,
  AbortMultipartUpload,
  ListParts,
  ListMultipartUploads,
};

/** S3 as the rest of the stack sees it: routes on the Fastify instance, objects to read. */
export interface S3Service extends ObjectReader, StackComponent {
  /** True when a request that reached `POST /` without X-Amz-Target is an S3 request. */
  claims(request: FastifyRequest): boolean;
  /** Serves an S3 request that reached another route (the gateway's `POST /`). */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/** Whether a request with no X-Amz-Target is S3's: signed for s3, or addressed to a bucket host. */
export function looksLikeS3(request: FastifyRequest): boolean {
  if (bucketFromHost(request.headers.host)) return true;
  const caller = callerFromHeaders(request.headers, queryOf(request));
  return caller.service === "s3";
}

/**
 * rekognito's own S3 engine: path-style routes `/:bucket` and `/:bucket/*` (and virtual hosts
 * `bucket.localhost`), `GET /` for ListBuckets. Any credentials work; presigned URLs expire
 * by the stack's clock; uploads in the SDKs' aws-chunked framing are stored de-framed and
 * their checksums verified.
 */
export function createS3(core: CoreServices, fastify: FastifyInstance): S3Service {
  const store = new S3Store(core);
  const services: S3Services = { core, store, notifier: new Notifier(core) };
  const actions = Object.fromEntries(
    Object.entries(s3Actions).map(([name, factory]) => [name, factory(services)]),
  ) as Record<ImplementedOperation, ReturnType<S3ActionFactory>>;

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ids = newRequestIds(core);
    const now = core.clock.now();
    request.awsLog = { service: "s3", action: request.method };
    try {
      if (request.method === "OPTIONS") return sendPreflight(request, reply);
      const { bucket, key } = locate(request);
      const query = queryOf(request);
      const headers = headersOf(request);
      const resolved = resolveOperation(request.method, bucket, key, query, headers);
      if ("notImplemented" in resolved) {
        request.awsLog.action = "NotImplemented";
        throw S3Errors.notImplemented(resolved.notImplemented);
      }
      request.awsLog.action = resolved.operation;
      checkPresignedExpiry(query, now);
      const expectedOwner = headers["x-amz-expected-bucket-owner"];
      if (expectedOwner !== undefined && expectedOwner !== core.accountId) throw S3Errors.accessDenied();
      let body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let trailers: Record<string, string> = {};
      if (isAwsChunked(headers) && (request.method === "PUT" || request.method === "POST")) {
        const declared = headers["x-amz-decoded-content-length"];
        const decoded = decodeAwsChunked(body, declared !== undefined ? Number(declared) : undefined);
        body = decoded.body;
        trailers = decoded.trailers;
      }
      const declaredSha = headers["x-amz-content-sha256"];
      if (declaredSha && /^[0-9a-f]{64}$/.test(declaredSha)) {
        const computed = createHash("sha256").update(body).digest("hex");
        if (computed !== declaredSha) throw S3Errors.contentSha256Mismatch(declaredSha, computed);
      }
      const caller = callerFromHeaders(request.headers, query);
      const s3Request: S3Request = {
        method: request.method,
        bucket: bucket ?? "",
        key,
        query,
        headers,
        body,
        trailers,
        ctx: {
          ...ids,
          region: caller.region ?? core.defaultRegion,
          accessKeyId: caller.accessKeyId,
          sourceIp: request.ip,
          baseUrl: baseUrlOf(request),
          now,
        },
      };
      const response = await actions[resolved.operation](s3Request);
      return sendS3Response(request, reply, response, ids);
    } catch (error) {
      if (error instanceof S3Error) return sendS3Error(request, reply, error, ids);
      request.awsLog.fault = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return sendS3Error(request, reply, S3Errors.internal(), ids);
    }
  }

  registerS3Routes(fastify, core, handle);

  return {
    name: "s3",
    claims: looksLikeS3,
    handle,
    async readObject(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
      if (versionId !== undefined && versionId !== "null") return undefined;
      const b = store.findBucket(bucket);
      const o = b?.objects.get(key);
      if (!o) return undefined;
      return {
        body: store.readBody(o),
        contentType: o.contentType,
        etag: o.etag,
        lastModified: o.lastModified,
        metadata: { ...o.metadata },
      };
    },
    health: () => ({ engine: "rekognito", persisted: core.persistence.dataDir !== null, ...store.stats() }),
    close: async () => {},
  };
}
