import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { request as httpRequest } from "node:http";
import { signedHeaders } from "../support/sign.js";
import { startStack, type Stack } from "../../server/stack.js";
import { motoUnavailable, startMoto, type Moto } from "../support/moto.js";
import { failure as failureOf } from "../support/failure.js";
import { anonymousS3, s3Config } from "../support/clients.js";

/**
 * Who may do what in S3, through the SDK as a user's code does it: a signed client (the
 * account's own principal) and an anonymous one (the same SDK, signing nothing, as a browser or
 * curl without credentials). The same cases run on the embedded engine and passed through to
 * moto (--storage-endpoint), where rekognito authorizes before forwarding.
 */

const failure = (promise: Promise<unknown>) => failureOf(promise, S3ServiceException);

const motoMissing = motoUnavailable();
if (motoMissing) console.warn(`skipping the moto run of s3-access.test.ts: ${motoMissing}`);

const policy = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const publicRead = (bucket: string, resource = `arn:aws:s3:::${bucket}/*`) => policy({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: resource });
const NO_BLOCK = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };

const expectDenied = (e: S3ServiceException) => {
  expect(e.name).toBe("AccessDenied");
  expect(e.$metadata.httpStatusCode).toBe(403);
};

for (const mode of ["embedded", "moto"] as const) {
  describe.skipIf(mode === "moto" && !!motoMissing)(`S3 access as AWS decides it (${mode})`, () => {
    let moto: Moto | undefined;
    let stack: Stack;
    let s3: S3Client;
    let anonymous: S3Client;
    /** A fresh bucket, with AWS's default Block Public Access (all four on) set explicitly, as moto has none by default. */
    const bucket = async (name: string) => {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: name, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
      return name;
    };

    beforeAll(async () => {
      if (mode === "moto") moto = await startMoto();
      stack = await startStack(moto ? { storageEndpoint: moto.endpoint } : {});
      s3 = new S3Client(s3Config(stack.endpoint));
      // The unmodified SDK with a signer that signs nothing: requests go out with no Authorization.
      anonymous = anonymousS3(stack.endpoint);
    }, 30_000);
    afterAll(async () => {
      s3?.destroy();
      anonymous?.destroy();
      await stack?.close();
      moto?.stop();
    });

    it("denies anonymous reads, writes, lists and deletes by default, and answers NoSuchBucket for a bucket that does not exist", async () => {
      const b = await bucket("private-by-default");
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "doc.png", Body: "secret" }));
      for (const denied of [
        await failure(anonymous.send(new GetObjectCommand({ Bucket: b, Key: "doc.png" }))),
        await failure(anonymous.send(new PutObjectCommand({ Bucket: b, Key: "doc.png", Body: "overwritten" }))),
        await failure(anonymous.send(new ListObjectsV2Command({ Bucket: b }))),
        await failure(anonymous.send(new DeleteObjectCommand({ Bucket: b, Key: "doc.png" }))),
        await failure(anonymous.send(new ListBucketsCommand({}))),
        await failure(anonymous.send(new CreateBucketCommand({ Bucket: "anonymous-made" }))),
        await failure(anonymous.send(new GetBucketPolicyCommand({ Bucket: b }))),
      ]) {
        expectDenied(denied);
      }
      // HEAD answers have no body: the status says it.
      for (const head of [
        await failure(anonymous.send(new HeadObjectCommand({ Bucket: b, Key: "doc.png" }))),
        await failure(anonymous.send(new HeadBucketCommand({ Bucket: b }))),
      ]) {
        expect(head.$metadata.httpStatusCode).toBe(403);
      }
      // The error is S3's XML, word for word.
      const raw = await fetch(`${stack.endpoint}/${b}/doc.png`);
      expect(raw.status).toBe(403);
      expect(await raw.text()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><RequestId>/);
      // Nothing was changed, and the signed client still does everything.
      expect(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: "doc.png" }))).Body!.transformToString()).toBe("secret");
      expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(1);
      expect((await failure(anonymous.send(new GetObjectCommand({ Bucket: "no-such-bucket-here", Key: "x" })))).name).toBe("NoSuchBucket");
    });

    it("lets a presigned URL through: it is signed, by the account", async () => {
      const b = await bucket("presigned-uploads");
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: b, Key: "selfie.jpg" }), { expiresIn: 60 });
      expect((await fetch(url, { method: "PUT", body: "selfie" })).status).toBe(200);
      const read = await getSignedUrl(s3, new GetObjectCommand({ Bucket: b, Key: "selfie.jpg" }), { expiresIn: 60 });
      expect(await (await fetch(read)).text()).toBe("selfie");
    });

    it("grants anonymous GetObject by a public-read policy once Block Public Access allows it, and nothing more", async () => {
      const b = await bucket("public-site");
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "index.html", Body: "<h1>hi</h1>" }));
      // BlockPublicPolicy (on for every new bucket on AWS) refuses the public policy outright.
      expectDenied(await failure(s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: publicRead(b) }))));
      await failure(s3.send(new GetBucketPolicyCommand({ Bucket: b })));
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: NO_BLOCK }));
      await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: publicRead(b) }));

      expect(await (await anonymous.send(new GetObjectCommand({ Bucket: b, Key: "index.html" }))).Body!.transformToString()).toBe("<h1>hi</h1>");
      expect((await anonymous.send(new HeadObjectCommand({ Bucket: b, Key: "index.html" }))).ContentLength).toBe(11);
      expectDenied(await failure(anonymous.send(new PutObjectCommand({ Bucket: b, Key: "index.html", Body: "defaced" }))));
      expectDenied(await failure(anonymous.send(new ListObjectsV2Command({ Bucket: b }))));
      // Without s3:ListBucket a missing key is AccessDenied, not NoSuchKey (S3 does not say what exists).
      expectDenied(await failure(anonymous.send(new GetObjectCommand({ Bucket: b, Key: "missing.html" }))));
      expect((await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: "missing.html" })))).name).toBe("NoSuchKey");

      // RestrictPublicBuckets: a public policy no longer grants anyone outside the account.
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { ...NO_BLOCK, RestrictPublicBuckets: true } }));
      expectDenied(await failure(anonymous.send(new GetObjectCommand({ Bucket: b, Key: "index.html" }))));
      await s3.send(new GetObjectCommand({ Bucket: b, Key: "index.html" }));
      // Without any Block Public Access configuration the policy grants again.
      await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
      await anonymous.send(new GetObjectCommand({ Bucket: b, Key: "index.html" }));
    });

    it("matches wildcards in Action and Resource", async () => {
      const b = await bucket("wildcards");
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: NO_BLOCK }));
      await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: ["s3:Get*", "s3:Put?bject"], Resource: `arn:aws:s3:::${b}/public/*` }) }));
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "public/a.txt", Body: "a" }));
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "private/b.txt", Body: "b" }));
      expect(await (await anonymous.send(new GetObjectCommand({ Bucket: b, Key: "public/a.txt" }))).Body!.transformToString()).toBe("a");
      await anonymous.send(new PutObjectCommand({ Bucket: b, Key: "public/new.txt", Body: "n" }));
      expectDenied(await failure(anonymous.send(new GetObjectCommand({ Bucket: b, Key: "private/b.txt" }))));
      expectDenied(await failure(anonymous.send(new PutObjectCommand({ Bucket: b, Key: "private/new.txt", Body: "n" }))));
      expectDenied(await failure(anonymous.send(new DeleteObjectCommand({ Bucket: b, Key: "public/a.txt" }))));
      // CopyObject needs GetObject on the source and PutObject on the target.
      await anonymous.send(new CopyObjectCommand({ Bucket: b, Key: "public/copy.txt", CopySource: `${b}/public/a.txt` }));
      expectDenied(await failure(anonymous.send(new CopyObjectCommand({ Bucket: b, Key: "public/leak.txt", CopySource: `${b}/private/b.txt` }))));
    });

    it("lets an explicit Deny win over the account's own access, per key in DeleteObjects, but never over managing the policy", async () => {
      const b = await bucket("guarded");
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "records/kept.txt", Body: "k" }));
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "scratch/tmp.txt", Body: "t" }));
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: b,
          Policy: policy(
            { Sid: "AllowAll", Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "s3:*", Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`] },
            { Sid: "KeepRecords", Effect: "Deny", Principal: "*", Action: "s3:Delete*", Resource: `arn:aws:s3:::${b}/records/*` },
          ),
        }),
      );
      expectDenied(await failure(s3.send(new DeleteObjectCommand({ Bucket: b, Key: "records/kept.txt" }))));
      const batch = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: "records/kept.txt" }, { Key: "scratch/tmp.txt" }] } }));
      expect(batch.Deleted?.map((d) => d.Key)).toEqual(["scratch/tmp.txt"]);
      expect(batch.Errors).toEqual([{ Key: "records/kept.txt", Code: "AccessDenied", Message: "Access Denied" }]);
      expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents?.map((c) => c.Key)).toEqual(["records/kept.txt"]);

      // A policy that denies everything to everyone: the account can still read and remove it.
      await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`] }) }));
      expectDenied(await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: "records/kept.txt" }))));
      expectDenied(await failure(s3.send(new ListObjectsV2Command({ Bucket: b }))));
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket: b }))).Policy).toContain('"Effect":"Deny"');
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: b }));
      await s3.send(new GetObjectCommand({ Bucket: b, Key: "records/kept.txt" }));
    });

    it("honours conditions: aws:SourceIp and s3:prefix (a policy fixed to addresses is not public, so Block Public Access lets it be)", async () => {
      const b = await bucket("conditional");
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "shared/report.csv", Body: "r" }));
      // Loopback only: non-public by S3's definition, accepted with BlockPublicPolicy and RestrictPublicBuckets on.
      const from = (cidrs: string[]) =>
        policy(
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${b}/*`, Condition: { IpAddress: { "aws:SourceIp": cidrs } } },
          { Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${b}`, Condition: { IpAddress: { "aws:SourceIp": cidrs }, StringLike: { "s3:prefix": "shared/*" } } },
        );
      await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: from(["127.0.0.0/8", "::1/128"]) }));
      await anonymous.send(new GetObjectCommand({ Bucket: b, Key: "shared/report.csv" }));
      expect((await anonymous.send(new ListObjectsV2Command({ Bucket: b, Prefix: "shared/" }))).KeyCount).toBe(1);
      expectDenied(await failure(anonymous.send(new ListObjectsV2Command({ Bucket: b }))));
      expectDenied(await failure(anonymous.send(new ListObjectsV2Command({ Bucket: b, Prefix: "other/" }))));
      // Another network: the same requests are denied.
      await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: from(["10.0.0.0/8"]) }));
      expectDenied(await failure(anonymous.send(new GetObjectCommand({ Bucket: b, Key: "shared/report.csv" }))));
      expectDenied(await failure(anonymous.send(new ListObjectsV2Command({ Bucket: b, Prefix: "shared/" }))));
    });

    it("keeps the template's deny-insecure-transport statement from refusing loopback http, and lets it refuse plain http addressed by another name", async () => {
      const b = await bucket("template-like");
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: b,
          Policy: policy({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket: b, Key: "doc.png", Body: "d" }));
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: b, Key: "upload.png" }), { expiresIn: 60 });
      expect((await fetch(url, { method: "PUT", body: "u" })).status).toBe(200);
      // Still private: the statement grants nothing.
      expectDenied(await failure(anonymous.send(new GetObjectCommand({ Bucket: b, Key: "doc.png" }))));
      // The same signed GET addressed to a LAN address (as a phone on the Wi-Fi would, with
      // --host 0.0.0.0) travels the network in clear: aws:SecureTransport is false, and it is denied.
      const viaLan = async (host: string) => {
        const headers = await signedHeaders("s3", { method: "GET", path: `/${b}/doc.png`, headers: {}, host });
        return new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(`${stack.endpoint}/${b}/doc.png`, { headers }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on("error", reject);
          req.end();
        });
      };
      const lan = await viaLan(`192.168.1.20:${stack.port}`);
      expect(lan.status).toBe(403);
      expect(lan.body).toContain("<Code>AccessDenied</Code>");
      expect(await viaLan(`localhost:${stack.port}`)).toEqual({ status: 200, body: "d" });
    });

    it("refuses malformed policies with S3's MalformedPolicy wording", async () => {
      const b = await bucket("strict-policies");
      const statement = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${b}/*` };
      for (const [bad, message] of [
        [{ ...statement, Resource: "arn:aws:s3:::someone-elses-bucket/*" }, "Policy has invalid resource"],
        [{ ...statement, Effect: "Maybe" }, "Invalid effect: Maybe"],
        [{ ...statement, Action: "s3-GetObject" }, "Policy has invalid action"],
        [{ ...statement, Principal: { AWS: "not-a-principal" } }, "Invalid principal in policy"],
        [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${b}/*` }, "Missing required field Principal"],
      ] as const) {
        const e = await failure(s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(bad) })));
        expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual(["MalformedPolicy", message, 400]);
      }
      expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket: b })))).name).toBe("NoSuchBucketPolicy");
    });
  });
}

describe("S3 access under --accept-any-credentials (acceptAnyCredentials)", () => {
  let stack: Stack;
  let s3: S3Client;
  let anonymous: S3Client;
  beforeAll(async () => {
    stack = await startStack({ acceptAnyCredentials: true });
    s3 = new S3Client(s3Config(stack.endpoint));
    anonymous = anonymousS3(stack.endpoint);
  });
  afterAll(async () => {
    s3.destroy();
    anonymous.destroy();
    await stack.close();
  });

  it("serves an unsigned request as the account's own, as before, while a bucket policy's Deny still applies", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "lax" }));
    await anonymous.send(new PutObjectCommand({ Bucket: "lax", Key: "a.txt", Body: "a" }));
    expect(await (await anonymous.send(new GetObjectCommand({ Bucket: "lax", Key: "a.txt" }))).Body!.transformToString()).toBe("a");
    expect((await anonymous.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(["lax"]);
    await s3.send(new PutBucketPolicyCommand({ Bucket: "lax", Policy: policy({ Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::lax/*" }) }));
    expectDenied(await failure(anonymous.send(new DeleteObjectCommand({ Bucket: "lax", Key: "a.txt" }))));
  });
});
