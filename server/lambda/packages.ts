import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CoreServices } from "../core/services.js";
import { checkLocalDirectory, codeSha256, HOT_RELOAD_BUCKET, MAX_UNZIPPED_BYTES, removeDirectory, unpackZip } from "./code.js";
import { LambdaError, LambdaErrors } from "./errors.js";
import type { FunctionCodeSource, StoredFunction } from "./functions.js";

/** What CreateFunction and UpdateFunctionCode take as code, with ZipFile still base64 text. */
export interface CodeInput {
  ZipFile?: string | Buffer;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

/**
 * Deployment packages: a ZipFile or an object in the stack's own S3, unpacked under the code
 * root (`<function>/<revision>/`, the zip kept beside it for Code.Location), or a hot-reload
 * directory run in place; removed once no version of the function runs them.
 */
export class Packages {
  constructor(
    /** Where zip packages are unpacked: the data directory's lambda/ or a temporary directory. */
    readonly codeRoot: string,
    private readonly core: Pick<CoreServices, "endpoint" | "defaultRegion">,
  ) {}

  /** The code sources AWS accepts, worded as AWS words the refusals. */
  check(code: CodeInput): void {
    if (code.ImageUri) throw LambdaErrors.notImplemented("container image functions (ImageUri)");
    if (code.ZipFile === undefined && !code.S3Bucket) {
      throw LambdaErrors.invalidParameter("Please provide a source for function code.");
    }
    if (code.ZipFile !== undefined && (code.S3Bucket || code.S3Key)) {
      throw LambdaErrors.invalidParameter("Please do not provide other FunctionCode parameters when providing a ZipFile.");
    }
    if (code.S3Bucket && !code.S3Key) {
      throw LambdaErrors.invalidParameter("Please provide a source for function code.");
    }
  }

  /** A package's bytes: inline, or from the stack's own S3. */
  async bytes(code: CodeInput): Promise<Buffer> {
    if (code.ZipFile !== undefined) return Buffer.isBuffer(code.ZipFile) ? code.ZipFile : Buffer.from(code.ZipFile, "base64");
    return this.fetchFromS3(code.S3Bucket!, code.S3Key!, code.S3ObjectVersion);
  }

  /** Puts a function revision's code in place: unpacked from its package, or a hot-reload directory as it is. */
  async install(name: string, revisionId: string, code: CodeInput): Promise<{ source: FunctionCodeSource; sha256: string; size: number }> {
    this.check(code);
    if (code.S3Bucket === HOT_RELOAD_BUCKET) {
      checkLocalDirectory(code.S3Key!);
      return {
        source: { kind: "local", dir: code.S3Key! },
        sha256: createHash("sha256").update(`hot-reload:${code.S3Key}`).digest("base64"),
        size: 0,
      };
    }
    const zip = await this.bytes(code);
    const dir = join(name, revisionId);
    const zipPath = `${dir}.zip`;
    await unpackZip(zip, join(this.codeRoot, dir));
    writeFileSync(join(this.codeRoot, zipPath), zip);
    return { source: { kind: "zip", dir, zipPath }, sha256: codeSha256(zip), size: zip.length };
  }

  /** Removes an unpacked package unless the function (its $LATEST or a version) still runs it. */
  removeUnlessUsed(fn: StoredFunction | undefined, code: FunctionCodeSource): void {
    if (code.kind !== "zip") return;
    const states = fn ? [fn, ...(fn.versions ?? [])] : [];
    if (states.some((s) => s.code.kind === "zip" && s.code.dir === code.dir)) return;
    removeDirectory(join(this.codeRoot, code.dir));
    removeDirectory(join(this.codeRoot, code.zipPath));
  }

  /** A package in the stack's own S3 (whatever serves S3 on this endpoint). */
  private async fetchFromS3(bucket: string, key: string, versionId?: string): Promise<Buffer> {
    const { S3Client, GetObjectCommand } = await import("@aws-sdk/client-s3");
    const client = new S3Client({
      endpoint: this.core.endpoint(),
      region: this.core.defaultRegion,
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      // A package can hold no more than the unzipped limit: refuse a bigger object unread.
      if ((out.ContentLength ?? 0) > MAX_UNZIPPED_BYTES) {
        (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw LambdaErrors.invalidParameter(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
      }
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      if (error instanceof LambdaError) throw error;
      const e = error as { name?: string; message?: string };
      throw LambdaErrors.invalidParameter(
        `Error occurred while GetObject. S3 Error Code: ${e.name ?? "Unknown"}. S3 Error Message: ${e.message ?? ""}`,
      );
    } finally {
      client.destroy();
    }
  }
}
