import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../core/logger.js";

/**
 * The face-login web app (web/) as rekognito serves it: the files `npm ci` built (web/build.ts,
 * the "prepare" script) into node_modules/.cache/rekognito/web. Nothing here runs at boot: the
 * first request for the app checks the build (a few stat calls) and, when it is missing or older
 * than web/'s sources, builds it then (about a second), once.
 */

export interface BuiltFile {
  body: Buffer;
  contentType: string;
}

export type AppState = { state: "not checked" } | { state: "ready"; fingerprint: string } | { state: "building" } | { state: "unavailable"; reason: string };

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

export class WebApp {
  private status: AppState = { state: "not checked" };
  private ready: Promise<string | undefined> | undefined;
  private readonly files = new Map<string, BuiltFile>();

  constructor(
    private readonly logger: Logger,
    private readonly outDir?: string,
  ) {}

  get state(): AppState {
    return this.status;
  }

  /** One of the built files (index.html, app.js, app.css), or a reason why there is none. */
  async file(name: string): Promise<BuiltFile | { missing: string }> {
    if (!Object.hasOwn(TYPES, name)) return { missing: `no such file: ${name}` };
    const problem = await this.ensure();
    if (problem) return { missing: problem };
    const cached = this.files.get(name);
    if (cached) return cached;
    const { DEFAULT_OUT_DIR } = await import("../../web/build.js");
    const path = join(this.outDir ?? DEFAULT_OUT_DIR, name);
    if (!existsSync(path)) return { missing: `the build has no ${name}` };
    const file = { body: readFileSync(path), contentType: TYPES[name]! };
    this.files.set(name, file);
    return file;
  }

  /** Checks the build once per process (and builds it if needed); a reason when there is no app. */
  private ensure(): Promise<string | undefined> {
    this.ready ??= this.check();
    return this.ready;
  }

  private async check(): Promise<string | undefined> {
    let build: typeof import("../../web/build.js");
    try {
      build = await import("../../web/build.js");
    } catch (error) {
      return this.unavailable(`web/build.ts could not be loaded (${(error as Error).message})`);
    }
    const outDir = this.outDir ?? build.DEFAULT_OUT_DIR;
    let fingerprint: string;
    try {
      fingerprint = build.sourceFingerprint();
    } catch (error) {
      // No sources (an image without web/): serve what was built, if anything.
      const built = build.builtFingerprint(outDir);
      if (built) {
        this.status = { state: "ready", fingerprint: built };
        return undefined;
      }
      return this.unavailable(`the web app's sources are not here (${(error as Error).message})`);
    }
    if (build.builtFingerprint(outDir) === fingerprint) {
      this.status = { state: "ready", fingerprint };
      return undefined;
    }
    this.status = { state: "building" };
    this.logger.info("web app: building it (web/ changed since npm ci built it, or it was never built)...");
    try {
      const result = await build.buildWebApp({ outDir });
      this.logger.info(`web app: built in ${result.ms.toFixed(0)} ms`);
      this.status = { state: "ready", fingerprint: result.fingerprint };
      return undefined;
    } catch (error) {
      return this.unavailable(`building it failed: ${(error as Error).message}`);
    }
  }

  private unavailable(reason: string): string {
    this.status = { state: "unavailable", reason };
    this.logger.warn(`web app: not served: ${reason}`);
    return reason;
  }
}

/**
 * Whether `GET /` is a browser opening the app rather than an SDK's ListBuckets: it asks for
 * HTML and carries no AWS signature (no Authorization header, no X-Amz-* query parameters or
 * headers), and its Host names no bucket (bucket.localhost).
 */
export function wantsAppPage(request: { method: string; url: string; headers: Record<string, string | string[] | undefined> }): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const accept = request.headers.accept;
  if (typeof accept !== "string" || !/\btext\/html\b/i.test(accept)) return false;
  if (request.headers.authorization !== undefined) return false;
  if (Object.keys(request.headers).some((h) => h.startsWith("x-amz-"))) return false;
  const query = request.url.indexOf("?");
  if (query >= 0 && /(^|&)x-amz-/i.test(request.url.slice(query + 1))) return false;
  const host = String(request.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
  if (host.endsWith(".localhost") && host !== "s3.localhost") return false;
  return true;
}
