import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import { unzipSync } from "fflate";
import { LambdaErrors } from "./errors.js";

/** AWS's limit on a function's unzipped deployment package. */
export const MAX_UNZIPPED_BYTES = 262_144_000;

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

/** Unpacks a deployment package into `dest` (created), refusing paths that leave it. */
export function unpackZip(zip: Uint8Array, dest: string): void {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch {
    throw LambdaErrors.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
  }
  let total = 0;
  for (const data of Object.values(files)) total += data.length;
  if (total > MAX_UNZIPPED_BYTES) {
    throw LambdaErrors.invalidParameter(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
  }
  mkdirSync(dest, { recursive: true });
  for (const [name, data] of Object.entries(files)) {
    const relative = normalize(name);
    if (isAbsolute(relative) || relative === ".." || relative.startsWith(`..${sep}`)) {
      throw LambdaErrors.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
    }
    const target = join(dest, relative);
    if (name.endsWith("/")) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
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
