import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { NotificationConfiguration, PublicAccessBlockConfiguration } from "@aws-sdk/client-s3";
import type { CoreServices } from "../../core/services.js";
import type { JournalRecord } from "../../core/persistence.js";
import type { StoredObject } from "../object-reader.js";
import { Forwarder, forwardableHeaders, readAll, relay, UpstreamError } from "../forward.js";
import {
  checkContentSha256,
  checkPresignedExpiry,
  isS3Request,
  newRequestIds,
  readS3Body,
  readS3Request,
  registerS3Routes,
  sendS3Response,
  serveS3,
} from "../../protocol/rest-xml.js";
import { storedContentEncoding } from "../s3/chunked.js";
import { S3Errors } from "../s3/errors.js";
import type { S3Service } from "../s3/index.js";
import { Notifier, notificationConfigurationXml, parseNotificationConfiguration } from "../s3/notifications.js";
import { checkPolicy, parsePublicAccessBlock } from "../s3/configuration.js";
import { authorize, callerOf, checkPolicyAllowedByBlockPublicAccess, copySource, secureTransport, type Authorization, type BucketAccess } from "../s3/access.js";
import { parseBucketPolicy, readStoredPolicy, type BucketPolicy } from "../s3/policy.js";
import type { S3Response } from "../s3/services.js";
import { all, first, parseXml, text, xmlDocument } from "../s3/xml.js";
import { ExternalSigner } from "./signer.js";

/** Query parameters of a presigned URL: rekognito checks expiry, then signs afresh. */
const PRESIGN_PARAMS = new Set([
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
  "X-Amz-Security-Token",
  "X-Amz-Content-Sha256",
  "x-amz-checksum-crc32",
  "x-amz-checksum-crc32c",
  "x-amz-checksum-crc64nvme",
  "x-amz-checksum-sha1",
  "x-amz-checksum-sha256",
  "x-amz-sdk-checksum-algorithm",
  "AWSAccessKeyId",
  "Signature",
  "Expires",
]);

/** Headers of the client's own signature and framing; replaced when re-signing. */
const CLIENT_SIGNING_HEADERS = new Set([
  "authorization",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
  "x-amz-decoded-content-length",
  "x-amz-trailer",
]);

/** S3's path encoding of a key: every byte but unreserved characters and "/". */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

/** What rekognito keeps of an external endpoint's buckets, as the `s3-external` journal holds it (server/core/persistence.ts). */
type Change = JournalRecord &
  (
    | { op: "put-region"; bucket: string; region: string }
    | { op: "put-notification"; bucket: string; configuration: NotificationConfiguration }
    | { op: "put-policy"; bucket: string; policy: string }
    | { op: "delete-policy"; bucket: string }
    | { op: "forget-bucket"; bucket: string }
  );

/** The records of data directories written before the one shape (`t`). */
type LegacyChange =
  | { t: "region"; bucket: string; region: string }
  | { t: "notification"; bucket: string; config: NotificationConfiguration }
  | { t: "policy"; bucket: string; policy?: string }
  | { t: "forget"; bucket: string };

function readChange(record: Change | LegacyChange): Change | undefined {
  if ("op" in record) return record;
  switch (record.t) {
    case "region":
      return { op: "put-region", bucket: record.bucket, region: record.region };
    case "notification":
      return { op: "put-notification", bucket: record.bucket, configuration: record.config };
    case "policy":
      return record.policy === undefined ? { op: "delete-policy", bucket: record.bucket } : { op: "put-policy", bucket: record.bucket, policy: record.policy };
    case "forget":
      return { op: "forget-bucket", bucket: record.bucket };
    default:
      return undefined;
  }
}

const POLICY_OPERATIONS = new Set(["PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"]);

/**
 * A DeleteObjects body split by who may delete what: the keys the caller may delete (the body
 * to forward, rebuilt) and those it may not (reported as AccessDenied, as S3 does per key).
 * Undefined when the body is not a Delete document (the endpoint answers MalformedXML then).
 */
function splitDeleteObjects(body: Buffer, allowed: (key: string) => boolean): { body: Buffer | undefined; denied: string[]; quiet: boolean } | undefined {
  let root;
  try {
    root = first(parseXml(body), "Delete");
  } catch {
    return undefined;
  }
  if (root === undefined || typeof root === "string") return undefined;
  const objects = all(root, "Object").map((o) => ({ Key: text(o, "Key"), VersionId: text(o, "VersionId") }));
  if (objects.some((o) => o.Key === undefined)) return undefined;
  const denied = objects.filter((o) => !allowed(o.Key!)).map((o) => o.Key!);
  const kept = objects.filter((o) => allowed(o.Key!)).map((o) => (o.VersionId === undefined ? { Key: o.Key! } : { Key: o.Key!, VersionId: o.VersionId }));
  const quiet = text(root, "Quiet") === "true";
  return { body: kept.length ? Buffer.from(xmlDocument("Delete", { ...(quiet ? { Quiet: true } : {}), Object: kept })) : undefined, denied, quiet };
}

const deniedXml = (keys: string[]) => keys.map((Key) => `<Error><Key>${Key.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`).join("");

/**
 * S3 passed through to an external endpoint (LocalStack, moto): requests go there de-framed
 * (aws-chunked decoded, its trailing checksum moved to a header) and re-signed; presigned
 * URLs are checked for expiry here by the stack's clock and then signed as plain requests.
 *
 * ObjectCreated notifications: the external endpoint's own cannot reach rekognito's Lambda
 * runner, so rekognito keeps each bucket's notification configuration as it passes through
 * (PutBucketNotificationConfiguration is stored here and forwarded) and raises the
 * `s3:notification` event itself after every successful PutObject / CopyObject through it.
 * Objects written to the external endpoint by other means raise nothing.
 */
export function createExternalS3(core: CoreServices, fastify: FastifyInstance, endpoint: string): S3Service {
  const base = new URL(endpoint);
  const forwarder = new Forwarder(endpoint);
  const signer = new ExternalSigner();
  const notifier = new Notifier(core);
  const journal = core.persistence.journal<Change>("s3-external");
  const regions = new Map<string, string>();
  const configs = new Map<string, NotificationConfiguration>();
  const policies = new Map<string, string>();
  for (const record of journal.load()) {
    const e = readChange(record);
    if (e?.op === "put-region") regions.set(e.bucket, e.region);
    else if (e?.op === "put-notification") configs.set(e.bucket, e.configuration);
    else if (e?.op === "put-policy") policies.set(e.bucket, e.policy);
    else if (e?.op === "delete-policy") policies.delete(e.bucket);
    else if (e?.op === "forget-bucket") {
      regions.delete(e.bucket);
      configs.delete(e.bucket);
      policies.delete(e.bucket);
    }
  }

  /**
   * Bucket policies stay in rekognito, never forwarded: the endpoint sees every request signed
   * by rekognito, so it could not tell an anonymous caller, and an emulator that evaluates
   * policies (moto does) would refuse every request by a template's usual deny-insecure-transport
   * statement (rekognito serves plain http). rekognito keeps them and enforces them before
   * forwarding anything, as the embedded engine does (s3/access.ts). The bucket must exist on
   * the endpoint; a public policy is refused when the bucket's Block Public Access (kept on the
   * endpoint) has BlockPublicPolicy.
   */
  async function bucketPolicy(operation: string, bucket: string, region: string, body: Buffer | undefined): Promise<S3Response> {
    const head = await send("HEAD", region, `/${encodeURIComponent(bucket)}`, {}, {}, undefined);
    head.stream.resume();
    if (head.status === 404) throw S3Errors.noSuchBucket(bucket);
    if (operation === "GetBucketPolicy") {
      const policy = policies.get(bucket);
      if (policy === undefined) throw S3Errors.noSuchBucketPolicy(bucket);
      return { headers: { "content-type": "application/json" }, body: policy };
    }
    if (operation === "PutBucketPolicy") {
      const policy = checkPolicy(body ?? Buffer.alloc(0));
      checkPolicyAllowedByBlockPublicAccess(parseBucketPolicy(policy, bucket), (await publicAccessBlockOf(bucket, region)) ?? undefined);
      journal.append({ op: "put-policy", bucket, policy });
      policies.set(bucket, policy);
    } else {
      journal.append({ op: "delete-policy", bucket });
      policies.delete(bucket);
    }
    return { status: 204 };
  }

  /** A bucket's Block Public Access on the endpoint: undefined when it has none, null when the bucket does not exist. */
  async function publicAccessBlockOf(bucket: string, region: string): Promise<PublicAccessBlockConfiguration | undefined | null> {
    const res = await send("GET", region, `/${encodeURIComponent(bucket)}`, { publicAccessBlock: "" }, {}, undefined);
    const answer = (await readAll(res.stream)).toString("utf8");
    if (res.status === 200) return parsePublicAccessBlock(parseXml(answer));
    if (res.status === 404 && /<Code>NoSuchBucket<\/Code>/.test(answer)) return null;
    return undefined;
  }

  /** Each bucket's policy as last read (read again when its text changes). */
  const parsed = new Map<string, { text: string; policy: BucketPolicy }>();
  const policyOf = (bucket: string): BucketPolicy | undefined => {
    const text = policies.get(bucket);
    if (text === undefined) return undefined;
    const known = parsed.get(bucket);
    if (known?.text === text) return known.policy;
    const policy = readStoredPolicy(text, bucket);
    parsed.set(bucket, { text, policy });
    return policy;
  };

  /**
   * What authorization needs of a bucket. Its Block Public Access stays on the endpoint, so it
   * is asked for only where it can matter, for an anonymous caller; then undefined also says the
   * bucket does not exist (the endpoint answers NoSuchBucket, as S3 does to anyone).
   */
  async function accessOf(bucket: string, region: string, anonymous: boolean): Promise<BucketAccess | undefined> {
    const policy = policyOf(bucket);
    if (!anonymous) return { policy, publicAccessBlock: undefined };
    const block = await publicAccessBlockOf(bucket, region);
    return block === null ? undefined : { policy, publicAccessBlock: block };
  }

  async function send(method: string, region: string, path: string, query: Record<string, string>, headers: Record<string, string>, body: Buffer | undefined) {
    const signed = await signer.sign("s3", region, { method, endpoint: base, path, query, headers: { ...headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }, body }, new Date(core.clock.now()));
    const search = new URLSearchParams(query).toString().replace(/\+/g, "%20");
    return forwarder.send(method, `${path}${search ? `?${search}` : ""}`, forwardableHeaders(signed), body);
  }

  /** One request through the REST-XML pipeline (server/protocol/rest-xml.ts), then to the endpoint. */
  function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ids = newRequestIds(core);
    return serveS3(request, reply, ids, async () => {
      try {
        return await forward(request, reply, ids);
      } catch (error) {
        if (error instanceof UpstreamError) throw S3Errors.unavailable(error.origin, error.reason);
        throw error;
      }
    });
  }

  async function forward(request: FastifyRequest, reply: FastifyReply, ids: { requestId: string; hostId: string }): Promise<FastifyReply> {
    const { bucket, key, virtualHost, query, headers, resolved, operation, region, accessKeyId } = readS3Request(request, core.defaultRegion);
    request.awsLog!.action = operation;
    const now = core.clock.now();
    checkPresignedExpiry(query, now);
    // Authorized here as the embedded engine authorizes (s3/access.ts): the endpoint only ever
    // sees rekognito's own signature, so it cannot tell an anonymous caller.
    const who = callerOf(request);
    const access = bucket === undefined ? undefined : await accessOf(bucket, region, who.kind === "anonymous");
    const source = operation === "CopyObject" ? copySource(headers["x-amz-copy-source"]) : undefined;
    const sourceAccess = source ? await accessOf(source.bucket, region, who.kind === "anonymous") : undefined;
    const authorization: Authorization = authorize(
      { caller: who, operation, query, headers, sourceIp: request.ip, secureTransport: secureTransport(request), region, accountId: core.accountId, now },
      bucket,
      key,
      access,
      (name) => (name === source?.bucket ? sourceAccess : undefined),
    );

    // Sent de-framed: the endpoint gets the payload and its trailing checksum as a header.
    const payload = readS3Body(request, headers);
    checkContentSha256(headers, payload.body);
    let body = Buffer.isBuffer(request.body) ? payload.body : undefined;
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (!CLIENT_SIGNING_HEADERS.has(k)) outHeaders[k] = v;
    if (payload.chunked) {
      for (const [k, v] of Object.entries(payload.trailers)) if (k.startsWith("x-amz-checksum-")) outHeaders[k] = v;
      const encoding = storedContentEncoding(headers["content-encoding"]);
      if (encoding) outHeaders["content-encoding"] = encoding;
      else delete outHeaders["content-encoding"];
    }
    const outQuery: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (!PRESIGN_PARAMS.has(k)) outQuery[k] = v;

    // Notification configurations are validated and kept here (Ids assigned), then forwarded.
    let config: NotificationConfiguration | undefined;
    if ("operation" in resolved && resolved.operation === "PutBucketNotificationConfiguration") {
      config = parseNotificationConfiguration(parseXml(body ?? Buffer.alloc(0)), core);
      body = Buffer.from(xmlDocument("NotificationConfiguration", notificationConfigurationXml(config)));
      delete outHeaders["content-md5"];
      for (const k of Object.keys(outHeaders)) if (k.startsWith("x-amz-checksum-") || k === "x-amz-sdk-checksum-algorithm") delete outHeaders[k];
    }

    if ("operation" in resolved && POLICY_OPERATIONS.has(resolved.operation) && bucket) {
      return sendS3Response(request, reply, await bucketPolicy(resolved.operation, bucket, region, body), ids);
    }

    // DeleteObjects: only the keys the caller may delete go to the endpoint; the others are
    // AccessDenied errors in the result.
    let denied: string[] = [];
    if (operation === "DeleteObjects" && bucket && body) {
      const split = splitDeleteObjects(body, (k) => authorization.allowed("s3:DeleteObject", k));
      if (split && split.denied.length) {
        denied = split.denied;
        if (!split.body) {
          return sendS3Response(request, reply, { headers: { "content-type": "application/xml" }, body: xmlDocument("DeleteResult", {}).replace("</DeleteResult>", `${deniedXml(denied)}</DeleteResult>`) }, ids);
        }
        body = split.body;
        for (const k of Object.keys(outHeaders)) if (k.startsWith("x-amz-checksum-") || k === "x-amz-sdk-checksum-algorithm") delete outHeaders[k];
        outHeaders["content-md5"] = createHash("md5").update(body).digest("base64");
        outHeaders["content-length"] = String(body.length);
      }
    }

    const rawPath = request.url.split("?", 1)[0]!;
    const path = virtualHost ? `/${bucket}${rawPath === "/" ? "" : rawPath}` : rawPath;
    const forwarded = await send(request.method, region, path, outQuery, outHeaders, body);
    // A missing key is AccessDenied to whoever may not list the bucket, as S3 answers it.
    if (forwarded.status === 404 && (operation === "GetObject" || operation === "HeadObject") && access !== undefined && !authorization.allowed("s3:ListBucket")) {
      forwarded.stream.resume();
      throw S3Errors.accessDenied();
    }
    if (denied.length && forwarded.status === 200) {
      const answer = (await readAll(forwarded.stream)).toString("utf8");
      reply.code(200);
      for (const [k, v] of Object.entries(forwardableHeaders(forwarded.headers))) if (k !== "content-length") reply.header(k, v);
      return reply.send(answer.replace("</DeleteResult>", `${deniedXml(denied)}</DeleteResult>`));
    }

    const ok = forwarded.status >= 200 && forwarded.status < 300;
    if (config && bucket && forwarded.status === 400) {
      const answer = await readAll(forwarded.stream);
      if (/Unable to validate the following destination configurations/.test(answer.toString("utf8"))) {
        // LocalStack checks Lambda destinations against its own Lambda service, which cannot see
        // the functions rekognito runs. rekognito is the one delivering: it keeps the configuration.
        journal.append({ op: "put-notification", bucket, configuration: config });
        configs.set(bucket, config);
        core.logger.warn(
          `s3 ${bucket}: ${base.origin} could not validate the notification destinations (they run in rekognito); rekognito keeps the configuration and raises the events`,
        );
        return sendS3Response(request, reply, {}, ids);
      }
      reply.code(forwarded.status);
      for (const [k, v] of Object.entries(forwardableHeaders(forwarded.headers))) reply.header(k, v);
      return reply.send(answer);
    }
    if (ok && bucket && "operation" in resolved && resolved.operation === "GetBucketNotificationConfiguration" && configs.has(bucket)) {
      // The configuration rekognito acts on is the one to show (the endpoint may have refused it).
      forwarded.stream.resume();
      return sendS3Response(
        request,
        reply,
        { headers: { "content-type": "application/xml" }, body: xmlDocument("NotificationConfiguration", notificationConfigurationXml(configs.get(bucket)!)) },
        ids,
      );
    }
    if (ok && bucket && "operation" in resolved) {
      switch (resolved.operation) {
        case "CreateBucket": {
          const constraint = body?.length ? /<LocationConstraint>([^<]+)<\/LocationConstraint>/.exec(body.toString("utf8"))?.[1] : undefined;
          const r = constraint === "EU" ? "eu-west-1" : (constraint ?? "us-east-1");
          journal.append({ op: "put-region", bucket, region: r });
          regions.set(bucket, r);
          break;
        }
        case "DeleteBucket":
          journal.append({ op: "forget-bucket", bucket });
          regions.delete(bucket);
          configs.delete(bucket);
          policies.delete(bucket);
          break;
        case "PutBucketNotificationConfiguration":
          journal.append({ op: "put-notification", bucket, configuration: config! });
          configs.set(bucket, config!);
          break;
        case "PutObject":
        case "CopyObject":
        case "CompleteMultipartUpload": {
          const c = configs.get(bucket);
          if (!c || !key) break;
          let size = body?.length ?? 0;
          let etag = String(forwarded.headers["etag"] ?? "").replace(/"/g, "");
          if (resolved.operation !== "PutObject") {
            // The new object's size and ETag are not in the answer's headers: ask for them.
            const head = await send("HEAD", region, path, {}, {}, undefined);
            head.stream.resume();
            size = Number(head.headers["content-length"] ?? 0);
            etag = String(head.headers["etag"] ?? "").replace(/"/g, "");
          }
          const answer = await readAll(forwarded.stream);
          reply.code(forwarded.status);
          for (const [k, v] of Object.entries(forwardableHeaders(forwarded.headers))) reply.header(k, v);
          notifier.notify(c, {
            eventName: `ObjectCreated:${resolved.operation === "PutObject" ? "Put" : resolved.operation === "CopyObject" ? "Copy" : "CompleteMultipartUpload"}`,
            bucket,
            region: regions.get(bucket) ?? region,
            key,
            size,
            etag,
            requestId: String(forwarded.headers["x-amz-request-id"] ?? ids.requestId),
            hostId: String(forwarded.headers["x-amz-id-2"] ?? ids.hostId),
            sourceIp: request.ip,
            accessKeyId,
            time: core.clock.now(),
          });
          return reply.send(answer);
        }
        default:
          break;
      }
    }
    return relay(reply, forwarded, request.method);
  }

  registerS3Routes(fastify, core, handle);

  return {
    name: "s3",
    claims: isS3Request,
    // The external endpoint keeps the CORS configurations; the request policy answers CORS for
    // allowed origins as for a bucket without rules.
    bucketCors: () => undefined,
    handle,
    async readObject(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
      const query: Record<string, string> = versionId ? { versionId } : {};
      const res = await send("GET", regions.get(bucket) ?? core.defaultRegion, `/${encodeURIComponent(bucket)}/${encodeKey(key)}`, query, {}, undefined);
      const data = await readAll(res.stream);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`external S3 answered ${res.status} reading s3://${bucket}/${key}`);
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (k.startsWith("x-amz-meta-") && typeof v === "string") metadata[k.slice(11)] = v;
      const lastModified = Date.parse(String(res.headers["last-modified"] ?? ""));
      return {
        body: data,
        contentType: res.headers["content-type"],
        etag: String(res.headers["etag"] ?? "").replace(/"/g, ""),
        lastModified: Number.isNaN(lastModified) ? 0 : lastModified,
        metadata,
      };
    },
    health: () => ({ engine: "external", endpoint: base.origin, notificationConfigurations: configs.size }),
    close: async () => forwarder.close(),
  };
}
