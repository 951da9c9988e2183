import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { LambdaErrors } from "./errors.js";
import { unpack, ZipRefusal } from "./zip.js";

/** AWS's limit on a function's unzipped deployment package. */
export const MAX_UNZIPPED_BYTES = 262_144_000;
/**
 * AWS's limit on a package uploaded directly (50 MB zipped), as the request limit it enforces:
 * the zip travels as base64 in the JSON body, so "Request must be smaller than 69905067 bytes
 * for the CreateFunction operation" (50 MiB × 4/3).
 */
export const MAX_CODE_REQUEST_BYTES = 69_905_067;

/**
 * The S3 bucket name that means "run this local directory as it is" (LocalStack's convention):
 * Code: { S3Bucket: "hot-reload", S3Key: "/absolute/path/to/dir" }. Edits to the files take
 * effect on the next invocation (the function's workers are replaced when a file changes).
 */
export const HOT_RELOAD_BUCKET = "hot-reload";

/** The CodeSha256 AWS reports: base64 of the SHA-256 of the zip. */
export function codeSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

const UNREADABLE = "Could not unzip uploaded file. Please check your file, then try to upload again.";

/**
 * Unpacks a deployment package into `dest` (created), refusing paths that leave it and packages
 * over AWS's unzipped limit, checked while inflating (zip.ts), never after. A refused package
 * leaves nothing behind.
 */
export async function unpackZip(zip: Uint8Array, dest: string): Promise<void> {
  const bytes = Buffer.isBuffer(zip) ? zip : Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const place = (name: string) => {
    const relative = normalize(name);
    if (isAbsolute(relative) || relative === ".." || relative.startsWith(`..${sep}`)) throw new ZipRefusal("corrupt", `${name} leaves the package`);
    return join(dest, relative);
  };
  mkdirSync(dest, { recursive: true });
  try {
    await unpack(bytes, place, { maxUnzippedBytes: MAX_UNZIPPED_BYTES });
  } catch (error) {
    removeDirectory(dest);
    if (error instanceof ZipRefusal) {
      throw LambdaErrors.invalidParameter(error.reason === "size" ? error.message : UNREADABLE);
    }
    throw error;
  }
}

/** A local directory to run in place; it must exist. */
export function checkLocalDirectory(path: string): void {
  if (!isAbsolute(path) || !existsSync(path) || !statSync(path).isDirectory()) {
    throw LambdaErrors.invalidParameter(
      `Code.S3Key must be the absolute path of an existing directory when Code.S3Bucket is ${HOT_RELOAD_BUCKET}: ${path}`,
    );
  }
}

export function removeDirectory(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/**
 * A cheap signature of a local code directory (paths, sizes, mtimes; node_modules and dot
 * folders skipped), so that edited files take effect on the next invocation.
 */
export function fingerprint(dir: string): string {
  const hash = createHash("sha1");
  const walk = (d: string, depth: number) => {
    if (depth > 8) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path, depth + 1);
      else if (entry.isFile()) {
        try {
          const s = statSync(path);
          hash.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
        } catch {
          // vanished while walking
        }
      }
    }
  };
  walk(dir, 0);
  return hash.digest("hex");
}
