import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CoreServices, StackComponent } from "../../core/services.js";
import type { BucketCors } from "../../protocol/cors.js";
import { baseUrlOf } from "../../protocol/json.js";
import {
  checkContentSha256,
  checkPresignedExpiry,
  isS3Request,
  locate,
  newRequestIds,
  readS3Body,
  readS3Request,
  registerS3Routes,
  sendS3Response,
  serveS3,
} from "../../protocol/rest-xml.js";
import type { ObjectReader, StoredObject } from "../object-reader.js";
import { S3Error, S3Errors } from "./errors.js";
import { Notifier } from "./notifications.js";
import type { ImplementedOperation } from "./operations.js";
import { S3Store } from "./store.js";
import type { BucketRecord } from "./records.js";
import { authorize, callerOf, secureTransport, type BucketAccess } from "./access.js";
import { readStoredPolicy, type BucketPolicy } from "./policy.js";
import type { S3ActionFactory, S3Request, S3Services } from "./services.js";
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
import { PutBucketEncryption } from "./actions/PutBucketEncryption.js";
import { GetBucketEncryption } from "./actions/GetBucketEncryption.js";
import { DeleteBucketEncryption } from "./actions/DeleteBucketEncryption.js";
import { PutPublicAccessBlock } from "./actions/PutPublicAccessBlock.js";
import { GetPublicAccessBlock } from "./actions/GetPublicAccessBlock.js";
import { DeletePublicAccessBlock } from "./actions/DeletePublicAccessBlock.js";
import { PutBucketCors } from "./actions/PutBucketCors.js";
import { GetBucketCors } from "./actions/GetBucketCors.js";
import { DeleteBucketCors } from "./actions/DeleteBucketCors.js";
import { PutBucketLifecycleConfiguration } from "./actions/PutBucketLifecycleConfiguration.js";
import { GetBucketLifecycleConfiguration } from "./actions/GetBucketLifecycleConfiguration.js";
import { DeleteBucketLifecycle } from "./actions/DeleteBucketLifecycle.js";
import { PutBucketPolicy } from "./actions/PutBucketPolicy.js";
import { GetBucketPolicy } from "./actions/GetBucketPolicy.js";
import { DeleteBucketPolicy } from "./actions/DeleteBucketPolicy.js";

/** The S3 operations rekognito implements, one file each under actions/. */
export const s3Actions = {
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
  PutBucketEncryption,
  GetBucketEncryption,
  DeleteBucketEncryption,
  PutPublicAccessBlock,
  GetPublicAccessBlock,
  DeletePublicAccessBlock,
  PutBucketCors,
  GetBucketCors,
  DeleteBucketCors,
  PutBucketLifecycleConfiguration,
  GetBucketLifecycleConfiguration,
  DeleteBucketLifecycle,
  PutBucketPolicy,
  GetBucketPolicy,
  DeleteBucketPolicy,
} satisfies Record<ImplementedOperation, S3ActionFactory>;

/** S3 as the rest of the stack sees it: routes on the Fastify instance, objects to read. */
export interface S3Service extends ObjectReader, StackComponent {
  /** True when a request that reached `POST /` without X-Amz-Target is an S3 request. */
  claims(request: FastifyRequest): boolean;
  /**
   * The CORS rules of the bucket a request addresses, when it has a CORS configuration: the
   * request policy (server/protocol/cors.ts) decides CORS by them.
   */
  bucketCors(request: FastifyRequest): BucketCors | undefined;
  /** Serves an S3 request that reached another route (the gateway's `POST /`). */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/**
 * rekognito's own S3 engine: path-style routes `/:bucket` and `/:bucket/*` (and virtual hosts
 * `bucket.localhost`), `GET /` for ListBuckets. Bucket policies decide who may (access.ts); presigned URLs expire
 * by the stack's clock; uploads in the SDKs' aws-chunked framing are stored de-framed and
 * their checksums verified.
 */
export function createS3(core: CoreServices, fastify: FastifyInstance): S3Service {
  const store = new S3Store(core);
  const services: S3Services = { store, notifier: new Notifier(core), clock: core.clock, ids: core.ids, accountId: core.accountId };
  const actions = Object.fromEntries(
    Object.entries(s3Actions).map(([name, factory]) => [name, factory(services)]),
  ) as Record<ImplementedOperation, ReturnType<S3ActionFactory>>;
  /** Each bucket's policy as last read (read again when its text changes). */
  const policies = new Map<string, { text: string; policy: BucketPolicy }>();
  const accessOf = (b: BucketRecord | undefined): BucketAccess | undefined => {
    if (!b) return undefined;
    const text = b.config.policy;
    let policy: BucketPolicy | undefined;
    if (text !== undefined) {
      const known = policies.get(b.name);
      policy = known?.text === text ? known.policy : readStoredPolicy(text, b.name);
      policies.set(b.name, { text, policy });
    }
    return { policy, publicAccessBlock: b.config.publicAccessBlock };
  };

  /** One request through the REST-XML pipeline (server/protocol/rest-xml.ts), then its action. */
  function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ids = newRequestIds(core);
    const now = core.clock.now();
    return serveS3(request, reply, ids, async () => {
      const wire = readS3Request(request, core.defaultRegion);
      request.awsLog!.action = wire.operation;
      if ("notImplemented" in wire.resolved) throw S3Errors.notImplemented(wire.resolved.notImplemented);
      const operation = wire.resolved.operation;
      checkPresignedExpiry(wire.query, now);
      const expectedOwner = wire.headers["x-amz-expected-bucket-owner"];
      if (expectedOwner !== undefined && expectedOwner !== core.accountId) throw S3Errors.accessDenied();
      const { bucket, key, query, headers, region } = wire;
      const authorization = authorize(
        { caller: callerOf(request), operation, query, headers, sourceIp: request.ip, secureTransport: secureTransport(request), region, accountId: core.accountId, now },
        bucket,
        key,
        bucket === undefined ? undefined : accessOf(store.findBucket(bucket)),
        (name) => accessOf(store.findBucket(name)),
      );
      const { body, trailers } = readS3Body(request, headers);
      checkContentSha256(headers, body);
      const s3Request: S3Request = {
        method: request.method,
        bucket: bucket ?? "",
        key,
        query,
        headers,
        body,
        trailers,
        ctx: { ...ids, region, accessKeyId: wire.accessKeyId, sourceIp: request.ip, allowed: authorization.allowed, baseUrl: baseUrlOf(request), now },
      };
      try {
        return sendS3Response(request, reply, await actions[operation](s3Request), ids);
      } catch (error) {
        // "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403
        // Access Denied error" for a missing key, rather than telling who may not list whether it exists.
        if (error instanceof S3Error && error.code === "NoSuchKey" && (operation === "GetObject" || operation === "HeadObject") && !authorization.allowed("s3:ListBucket")) {
          throw S3Errors.accessDenied();
        }
        throw error;
      }
    });
  }

  registerS3Routes(fastify, core, handle);
  return {
    name: "s3",
    claims: isS3Request,
    bucketCors: (request) => {
      try {
        const { bucket, key } = locate(request);
        const rules = bucket === undefined ? undefined : store.findBucket(bucket)?.config.cors;
        return rules ? { rules, onObject: key !== undefined } : undefined;
      } catch {
        return undefined;
      }
    },
    handle,
    async readObject(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
      if (versionId !== undefined && versionId !== "null") return undefined;
      const o = store.findBucket(bucket) ? store.getObject(bucket, key) : undefined;
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
