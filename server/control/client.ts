import type { ClockState, ResetResult, RestoreResult, SeedResult, SnapshotMeta } from "./index.js";

/** A refusal of rekognito's control API: its `__type`, message and HTTP status. */
export class RekognitoControlError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(`${type}: ${message}`);
    this.name = type;
  }
}

/**
 * The control API of a running rekognito (a container, `npm start`, an in-process stack) over
 * HTTP, for tests: what testcontainers' `rk.reset()`, `rk.snapshot(name)`, `rk.advanceClock(ms)`
 * call. Every method answers what the stack answered, or throws RekognitoControlError.
 *
 *   const rk = new RekognitoControl("http://127.0.0.1:4566");
 *   await rk.reset();                       // back to the just-started stack
 *   await rk.advanceClock(5 * 60_000);      // needs --clock manual or offset
 */
export class RekognitoControl {
  readonly endpoint: string;

  constructor(endpoint: string) {
    this.endpoint = endpoint.replace(/\/+$/, "");
  }

  private async call<T>(method: string, path: string, body?: unknown, raw?: Buffer): Promise<T> {
    const init: RequestInit = { method, headers: {} };
    if (raw !== undefined) {
      init.body = new Uint8Array(raw);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const response = await fetch(`${this.endpoint}${path}`, init);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.status >= 300) {
      let parsed: { __type?: string; message?: string } = {};
      try {
        parsed = JSON.parse(bytes.toString("utf8")) as typeof parsed;
      } catch {
        // not JSON: an older rekognito without this route, or something else on that port
      }
      throw new RekognitoControlError(parsed.__type ?? response.headers.get("x-amzn-errortype") ?? `HTTP${response.status}`, parsed.message ?? bytes.toString("utf8").slice(0, 200), response.status);
    }
    return (path.endsWith("/export") ? bytes : JSON.parse(bytes.toString("utf8"))) as T;
  }

  /** Everything back to the just-started stack, or one service (`cognito`, `mailbox`, `rekognition`, `s3`, `dynamodb`, `lambda`). */
  reset(service?: string): Promise<ResetResult> {
    return this.call("POST", `/_rekognito/reset${service ? `?service=${encodeURIComponent(service)}` : ""}`);
  }

  /** Saves the whole state under `name` (replacing a snapshot of that name). */
  snapshot(name: string): Promise<SnapshotMeta & { ms: number; replaced: boolean }> {
    return this.call("POST", `/_rekognito/snapshots/${encodeURIComponent(name)}`);
  }

  restore(name: string): Promise<RestoreResult> {
    return this.call("POST", `/_rekognito/snapshots/${encodeURIComponent(name)}/restore`);
  }

  async snapshots(): Promise<SnapshotMeta[]> {
    return (await this.call<{ snapshots: SnapshotMeta[] }>("GET", "/_rekognito/snapshots")).snapshots;
  }

  async deleteSnapshot(name: string): Promise<void> {
    await this.call("DELETE", `/_rekognito/snapshots/${encodeURIComponent(name)}`);
  }

  /** The snapshot as one JSON file: commit it, start a stack from it with --snapshot <file>. */
  exportSnapshot(name: string): Promise<Buffer> {
    return this.call("GET", `/_rekognito/snapshots/${encodeURIComponent(name)}/export`);
  }

  /** Keeps an exported snapshot under `name` on this stack; restore(name) puts it in place. */
  importSnapshot(name: string, bundle: Uint8Array): Promise<SnapshotMeta> {
    return this.call("PUT", `/_rekognito/snapshots/${encodeURIComponent(name)}`, undefined, Buffer.from(bundle));
  }

  clock(): Promise<ClockState> {
    return this.call("GET", "/_rekognito/clock");
  }

  /** Moves the stack's time forward: milliseconds, or an ISO 8601 duration such as "PT5M". */
  advanceClock(by: number | string): Promise<ClockState> {
    return this.call("POST", "/_rekognito/clock", { advance: by });
  }

  /** Puts the stack's time at `time` (forwards or backwards). */
  setClock(time: Date | number | string): Promise<ClockState> {
    return this.call("POST", "/_rekognito/clock", { set: time instanceof Date ? time.toISOString() : time });
  }

  /** Enrols fixture personas through the real flow: all, or those named (`["ana", "mei"]`). */
  seed(personas?: string[]): Promise<SeedResult> {
    return this.call("POST", "/_rekognito/seed", personas ? { personas } : {});
  }
}
