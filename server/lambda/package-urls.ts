import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Clock } from "../core/clock.js";

/** How long a Code.Location URL is valid, seconds: AWS's presigned package URLs last ten minutes. */
export const LOCATION_EXPIRES_SECONDS = 600;

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(text);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : undefined;
}

function signatureOf(key: Buffer, path: string, date: string, expires: string): string {
  return createHmac("sha256", key).update(`${path}\n${date}\n${expires}`).digest("hex");
}

/**
 * Where GetFunction's Code.Location (and a layer's Content.Location) points: a presigned URL of
 * the package as it was uploaded, valid ten minutes by the stack's clock, as AWS's S3 URL is.
 * The signature (HMAC with the stack's own key) covers the package's path and the expiry, so
 * a URL cannot be bent to another file or kept past its time; nothing else about the request
 * is needed, as with any presigned URL.
 */
export class PackageUrls {
  constructor(
    /** Signs the URLs (a fresh key per stack: a URL outlives neither it nor its expiry). */
    private readonly key: Buffer,
    /** Where the packages are, under their paths. */
    private readonly codeRoot: string,
    private readonly clock: Clock,
  ) {}

  /** The presigned URL of a package (`zipPath`, relative to the code root) as the client reached the stack (`baseUrl`). */
  location(baseUrl: string, zipPath: string): string {
    const date = amzDate(this.clock.now());
    const expires = String(LOCATION_EXPIRES_SECONDS);
    const path = zipPath.split("/").map(encodeURIComponent).join("/");
    const signature = signatureOf(this.key, zipPath, date, expires);
    return `${baseUrl}/_rekognito/lambda/code/${path}?X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-Signature=${signature}`;
  }

  /** Serves deployment packages at their presigned Code.Location URLs. */
  register(fastify: FastifyInstance): void {
    fastify.get<{ Params: { "*": string }; Querystring: Record<string, string> }>("/_rekognito/lambda/code/*", async (request, reply) => {
      const zipPath = normalize(request.params["*"] ?? "");
      const { "X-Amz-Date": date = "", "X-Amz-Expires": expires = "", "X-Amz-Signature": signature = "" } = request.query;
      const denied = (message: string) =>
        reply
          .code(403)
          .header("content-type", "application/xml")
          .send(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`);
      const expected = Buffer.from(signatureOf(this.key, zipPath, date, expires));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return denied("Request has invalid signature");
      const signedAt = parseAmzDate(date);
      if (signedAt === undefined || !(Number(expires) > 0) || this.clock.now() > signedAt + Number(expires) * 1000) return denied("Request has expired");
      const file = join(this.codeRoot, zipPath);
      if (!zipPath.endsWith(".zip") || zipPath.startsWith("..") || !existsSync(file)) {
        return reply.code(404).header("content-type", "application/xml").send(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`);
      }
      return reply.code(200).header("content-type", "application/zip").send(readFileSync(file));
    });
  }
}
